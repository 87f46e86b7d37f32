// revsim sensitivity: the tornado ranks a parameter known to dominate first.
#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>

#include <filesystem>
#include <fstream>

namespace revsim {
namespace {

TEST(Sensitivity, TornadoRanksTheDominantParameterFirst) {
  // Mean government revenue = rate x p_win x E[value]; value spans 10..400 (P10..P90 = 49..361,
  // a factor 7.4) while every other parameter moves the mean by at most +-20 %.
  const auto path = std::filesystem::temp_directory_path() / "revsim_tornado_test.yaml";
  std::ofstream(path) << "years: 2\ncompany: {cash: 100000, burn_per_month: 0}\n"
                         "channels:\n  government: {projects_per_year: 2, value: {uniform: [10, 400]}, "
                         "sales_cycle_months: 0, p_slip: 0, p_win: 0.5, turnkey_p: 1, delivery_months: 0}\n";
  const Sensitivity s = sensitivity(path.string(), {}, RunOptions{4000, 1, true, 2}, "mean", 2024, false);
  std::filesystem::remove(path);
  ASSERT_FALSE(s.rows.empty());
  EXPECT_EQ(s.rows[0].parameter, "channels.government.value");
  EXPECT_NEAR(s.rows[0].levels[0], 49.0, 1e-9);   // P10 of uniform[10, 400]
  EXPECT_NEAR(s.rows[0].levels[1], 361.0, 1e-9);  // P90
  EXPECT_GT(s.rows[0].swing, 3 * s.rows[1].swing);
  for (std::size_t i = 1; i < s.rows.size(); ++i) EXPECT_GE(s.rows[i - 1].swing, s.rows[i].swing);
  // A constant is moved +-20 %: p_win 0.5 -> 0.4 and 0.6.
  for (const SensitivityRow& r : s.rows)
    if (r.parameter == "channels.government.p_win") {
      EXPECT_NEAR(r.levels[0], 0.4, 1e-12);
      EXPECT_NEAR(r.levels[1], 0.6, 1e-12);
    }
}

TEST(Sensitivity, ParametersAreAddressableWithSet) {
  // Every listed parameter path is accepted by --set (the tornado reruns through it).
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml");
  const auto params = list_parameters(s);
  EXPECT_GT(params.size(), 100U);
  for (const Parameter& p : params) {
    const double v = p.dist.quantile(0.5);
    EXPECT_NO_THROW(load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml",
                                  {p.path + "=" + std::to_string(v)}))
        << p.path;
  }
}

TEST(Sensitivity, StagedEntitiesListWhatCanStillMatter) {
  // The pipeline template, and the shorthand `stage: npi` (no elapsed to vary): every listed
  // path is accepted by --set, and keys of phases an entity has passed are not parameters.
  const std::string yaml = test::read_file(std::string(REVSIM_SOURCE_DIR) + "/scenarios/pipeline-today.yaml") ;
  const std::string shorthand = test::replace(yaml, "stage: {phase: evaluation, elapsed: 1}", "stage: npi");
  for (const std::string& text : {yaml, shorthand}) {
    const Scenario s = parse_scenario(text, "p.yaml");
    for (const Parameter& p : list_parameters(s)) {
      EXPECT_NO_THROW(parse_scenario(text, "p.yaml", {p.path + "=" + std::to_string(p.dist.quantile(0.5))})) << p.path;
      EXPECT_EQ(p.path.find("[Operator M].eval_months"), std::string::npos);  // listed: evaluation passed
      EXPECT_EQ(p.path.find("[Operator M].p_list"), std::string::npos);
      if (p.path.starts_with("channels.internet")) {  // every account is staged
        EXPECT_EQ(p.path.find("].start_month"), std::string::npos) << p.path;
      }
    }
  }
  const auto params = list_parameters(parse_scenario(shorthand, "p.yaml"));
  auto has = [&](const std::string& path) {
    return std::any_of(params.begin(), params.end(), [&](const Parameter& p) { return p.path == path; });
  };
  EXPECT_FALSE(has("channels.internet.accounts[Hyperscaler B].stage.elapsed"));
  EXPECT_FALSE(has("channels.internet.accounts[Hyperscaler B].p_eval"));  // in NPI: evaluation passed
  EXPECT_TRUE(has("channels.internet.accounts[Hyperscaler B].p_npi"));
  EXPECT_TRUE(has("channels.internet.accounts[Hyperscaler A].stage.elapsed"));
  EXPECT_TRUE(has("channels.internet.accounts[Hyperscaler A].p_eval"));
}

TEST(Sensitivity, TornadoLevelsStayInsideTheScenariosLimits) {
  // A due month near the horizon (+20 % would pass it) and isvs = live + migrating (-20 % would
  // go below): the levels are clamped, so every rerun loads.
  const std::string yaml =
      "name: tight\nyears: 4\n"
      "channels:\n  government:\n    projects_per_year: 0\n    projects: [{name: P, due_month: 45, value: 300}]\n"
      "    backlog: [{name: B, value: 50, delivery_end_month: 46, turnkey: true}]\n"
      "  isv:\n    industries: [{name: fin, isvs: 4, live: 3, migrating: 1}]\n";
  const Scenario s = parse_scenario(yaml, "tight.yaml");
  for (const Parameter& p : list_parameters(s)) {
    if (!p.dist.is_constant()) continue;
    for (const double f : {0.8, 1.2}) {
      double v = std::clamp(p.dist.value() * f, p.range.lo, p.range.hi);
      if (p.range.hi_open && v >= p.range.hi) v = std::nextafter(p.range.hi, p.range.lo);
      EXPECT_NO_THROW(parse_scenario(yaml, "tight.yaml", {p.path + "=" + fmt::format("{}", v)})) << p.path << " " << v;
    }
  }
}

TEST(Sensitivity, QuantilesOfEveryForm) {
  EXPECT_NEAR(Dist::make(DistKind::uniform, {2, 6}).quantile(0.25), 3.0, 1e-12);
  EXPECT_NEAR(Dist::make(DistKind::lognormal, {9, 24}).quantile(0.05), 9.0, 1e-9);
  EXPECT_NEAR(Dist::make(DistKind::lognormal, {9, 24}).quantile(0.95), 24.0, 1e-9);
  EXPECT_NEAR(Dist::make(DistKind::triangular, {1, 2, 6}).quantile(0.2), 2.0, 1e-12);  // F(mode) = 0.2
  EXPECT_NEAR(Dist::make(DistKind::beta, {2, 2}).quantile(0.5), 0.5, 1e-12);
  EXPECT_NEAR(Dist::make(DistKind::pert, {0, 5, 10}).quantile(0.5), 5.0, 1e-9);
  EXPECT_NEAR(Dist::make(DistKind::normal, {0, 1}).quantile(0.975), 1.959963984540054, 1e-9);
  EXPECT_EQ(Dist::make(DistKind::uniform_int, {3, 5}).quantile(0.5), 4.0);
}

}  // namespace
}  // namespace revsim
