// revsim compare: paired differences on common random numbers.
#include "revsim/compare.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace revsim {
namespace {

using test::calm_world;
using test::scenario;

TEST(Compare, AScenarioAgainstItselfDiffersByNothing) {
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/balanced.yaml");
  const Comparison c = compare_scenarios({s, s}, RunOptions{3000, 2, true, 2});
  ASSERT_EQ(c.scenarios.size(), 2U);
  for (const PairedYear& y : c.scenarios[1].years) {
    EXPECT_EQ(y.mean_diff, 0.0);
    EXPECT_EQ(y.se_paired, 0.0);
    EXPECT_GT(y.se_independent, 0.0);
    EXPECT_EQ(y.p_threshold_diff, 0.0);
    EXPECT_EQ(y.p_greater, 0.0);
    EXPECT_EQ(y.p_baseline_greater, 0.0);
  }
  EXPECT_EQ(c.scenarios[1].p_lists_before_baseline, 0.0);
}

TEST(Compare, ChangingOneAccountGivesAFarSmallerPairedError) {
  // Government projects and four internet accounts; B doubles one account's demand. Common
  // random numbers cancel everything but that account, so the paired SE is far below the
  // unpaired one (the issue asks for at least 5x).
  const std::string common = calm_world() +
                             "channels:\n"
                             "  government: {projects_per_year: 2}\n"
                             "  internet:\n    defaults: {tco_hurdle: 0, p_eval: 0.9, p_npi: 0.9}\n    accounts:\n"
                             "      - {name: A}\n      - {name: B}\n      - {name: C}\n";
  const Scenario a = scenario(common + "      - {name: D, annual_cards: 10000}\n");
  const Scenario b = scenario(common + "      - {name: D, annual_cards: 20000}\n");
  const Comparison c = compare_scenarios({a, b}, RunOptions{20000, 3, true, 2});
  for (std::size_t y = 2; y < 5; ++y) {
    const PairedYear& py = c.scenarios[1].years[y];
    EXPECT_GT(py.mean_diff, 0.0) << py.year;
    EXPECT_LT(5 * py.se_paired, py.se_independent) << py.year;
  }
}

TEST(Compare, RefusesMismatchedHorizons) {
  const Scenario a = scenario("years: 5\n");
  const Scenario b = scenario("years: 6\n");
  EXPECT_THROW(compare_scenarios({a, b}, RunOptions{100, 1, true, 1}), std::invalid_argument);
}

TEST(Compare, ReachedTheBarByAYearIsTheCumulativeFirstCrossing) {
  const std::string dir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";
  const Comparison c = compare_scenarios({load_scenario(dir + "isv-first.yaml"), load_scenario(dir + "turnkey-builder.yaml")},
                                         RunOptions{3000, 4, true, 2});
  const ComparedScenario& s = c.scenarios[1];
  double cumulative = 0, before = 0;
  for (std::size_t y = 0; y < s.years.size(); ++y) {
    cumulative += s.results.first_crossing[y].second;  // "2023", "2024", ... then "never"
    EXPECT_EQ(s.results.first_crossing[y].first, std::to_string(s.years[y].year));
    EXPECT_NEAR(s.years[y].p_reached_by, cumulative, 1e-12);
    EXPECT_GE(s.years[y].p_reached_by + 1e-12, s.years[y].p_threshold);
    EXPECT_GE(s.years[y].p_reached_by, before);
    before = s.years[y].p_reached_by;
  }
  EXPECT_GT(s.years.back().p_reached_by, s.years.back().p_threshold + 0.1);  // turnkey: crossings are fleeting
  const auto j = to_json(c);
  EXPECT_EQ(j["scenarios"][1]["years"][2]["p_reached_by"].get<double>(), s.years[2].p_reached_by);
  std::ostringstream os;
  write_table(os, c);
  EXPECT_NE(os.str().find("reached by"), std::string::npos);
  EXPECT_NE(os.str().find("P(> base): share of trials in which"), std::string::npos);
}

}  // namespace
}  // namespace revsim
