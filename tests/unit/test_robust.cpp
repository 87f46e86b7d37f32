// A new user's wrong input (branch robust): whole numbers are read exactly from their text (a
// seed above 2^53 is refused, not rounded to 2^53), two compared scenarios of the same name get
// distinct labels, and the workbook's runway sheet uses docs/model.md's column words.
#include "revsim/compare.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/xlsx_report.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace revsim {
namespace {

std::string with_seed(const std::string& seed) { return "name: s\nyears: 2\nseed: " + seed + "\n"; }

/// The message of the ScenarioError that parsing `yaml` throws ("" when it loads).
std::string refusal(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    (void)parse_scenario(yaml, "s.yaml", sets);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

TEST(Robust, SeedAbove2To53IsRefusedWithItsPlaceNotRounded) {
  // Before: read through a double, 2^53 + 1 became 2^53 and ran.
  EXPECT_EQ(refusal(with_seed("9007199254740993")),
            "s.yaml:3:7: seed: 9007199254740993 is out of range (expected 0..9007199254740992)");
  EXPECT_EQ(refusal(with_seed("18446744073709551615")),
            "s.yaml:3:7: seed: 18446744073709551615 is out of range (expected 0..9007199254740992)");
  EXPECT_EQ(refusal(with_seed("18446744073709551616")),
            "s.yaml:3:7: seed: 18446744073709551616 is out of range (expected 0..9007199254740992)");
  EXPECT_EQ(refusal(with_seed("99999999999999999999999999")),
            "s.yaml:3:7: seed: 99999999999999999999999999 is out of range (expected 0..9007199254740992)");
  // The same number in exponent form is the same number: refused too.
  EXPECT_EQ(refusal(with_seed("9.007199254740993e15")),
            "s.yaml:3:7: seed: 9.007199254740993e15 is out of range (expected 0..9007199254740992)");
  // A fraction a double would round to a whole number is not a whole number.
  EXPECT_EQ(refusal(with_seed("9007199254740991.5")), "s.yaml:3:7: seed: 9007199254740991.5 is not a whole number");
  EXPECT_EQ(refusal(with_seed("1e400")), "s.yaml:3:7: seed: 1e400 is out of range (expected 0..9007199254740992)");
  EXPECT_EQ(refusal(with_seed("-1")), "s.yaml:3:7: seed: -1 is out of range (expected 0..9007199254740992)");
  // --set names itself.
  EXPECT_EQ(refusal(with_seed("1"), {"seed=9007199254740993"}),
            "--set seed=9007199254740993: seed: 9007199254740993 is out of range (expected 0..9007199254740992)");
}

TEST(Robust, WholeNumbersAreReadExactly) {
  EXPECT_EQ(parse_scenario(with_seed("9007199254740992"), "s.yaml").seed, 9007199254740992ULL);
  EXPECT_EQ(parse_scenario(with_seed("9007199254740991"), "s.yaml").seed, 9007199254740991ULL);
  EXPECT_EQ(parse_scenario(with_seed("0"), "s.yaml").seed, 0U);
  EXPECT_EQ(parse_scenario(with_seed("-0"), "s.yaml").seed, 0U);
  EXPECT_EQ(parse_scenario(with_seed("+12"), "s.yaml").seed, 12U);
  EXPECT_EQ(parse_scenario(with_seed("1e3"), "s.yaml").seed, 1000U);
  EXPECT_EQ(parse_scenario(with_seed("1.5e1"), "s.yaml").seed, 15U);
  EXPECT_EQ(parse_scenario(with_seed("70.0"), "s.yaml").seed, 70U);
  EXPECT_EQ(parse_scenario(with_seed("0.007e4"), "s.yaml").seed, 70U);
  EXPECT_EQ(parse_scenario(with_seed("1"), "s.yaml", {"seed=9007199254740992"}).seed, 9007199254740992ULL);
  EXPECT_EQ(parse_scenario("name: s\ntrials: 1e9\nyears: 2\n", "s.yaml").trials, 1000000000U);
  EXPECT_EQ(refusal("name: s\ntrials: 1000000001\n"), "s.yaml:2:9: trials: 1000000001 is out of range (expected 1..1000000000)");
  EXPECT_EQ(refusal("name: s\nyears: 2.5\n"), "s.yaml:2:8: years: 2.5 is not a whole number");
  EXPECT_EQ(refusal("name: s\nyears: 1e-1\n"), "s.yaml:2:8: years: 1e-1 is not a whole number");
}

Scenario named(const std::string& name, const std::string& source) {
  Scenario s;
  s.name = name;
  s.source = source;
  return s;
}

TEST(Robust, CompareLabelsScenariosOfOneNameApart) {
  using V = std::vector<std::string>;
  EXPECT_EQ(distinct_labels({named("a", "x.yaml"), named("b", "y.yaml")}), (V{"a", "b"}));
  EXPECT_EQ(distinct_labels({named("a", "x.yaml"), named("a", "y.yaml"), named("b", "z.yaml")}),
            (V{"a (x.yaml)", "a (y.yaml)", "b"}));
  EXPECT_EQ(distinct_labels({named("a", "one/x.yaml"), named("a", "two/x.yaml")}), (V{"a (one/x.yaml)", "a (two/x.yaml)"}));
  EXPECT_EQ(distinct_labels({named("a", "x.yaml"), named("a", "x.yaml")}), (V{"a (#1)", "a (#2)"}));
  // A made-up label that is another scenario's own name: every scenario is numbered.
  EXPECT_EQ(distinct_labels({named("a", "x.yaml"), named("a", "y.yaml"), named("a (x.yaml)", "z.yaml")}),
            (V{"a (#1)", "a (#2)", "a (x.yaml) (#3)"}));
}

TEST(Robust, ComparisonOfTwoCopiesHasDistinctLabelsEverywhere) {
  const std::string text = test::calm_world(2) + test::kInternetAccount;
  const std::vector<Scenario> two{parse_scenario(text, "copy1/test.yaml"), parse_scenario(text, "copy2/test.yaml")};
  RunOptions opt;
  opt.trials = 50;
  opt.seed = 1;
  opt.seed_set = true;
  opt.threads = 1;
  const ComparisonSamples c = compare_with_samples(two, opt);
  ASSERT_EQ(c.comparison.scenarios.size(), 2U);
  EXPECT_EQ(c.comparison.scenarios[0].scenario, "test (copy1/test.yaml)");
  EXPECT_EQ(c.comparison.scenarios[1].scenario, "test (copy2/test.yaml)");
  EXPECT_EQ(c.comparison.scenarios[1].results.scenario, "test (copy2/test.yaml)");
  const auto j = to_json(c.comparison);
  EXPECT_EQ(j["baseline"], "test (copy1/test.yaml)");
  EXPECT_EQ(j["scenarios"][1]["scenario"], "test (copy2/test.yaml)");
  // The same draws: identical copies give identical numbers under their two labels.
  EXPECT_EQ(c.comparison.scenarios[0].years[1].mean, c.comparison.scenarios[1].years[1].mean);
  EXPECT_EQ(c.comparison.scenarios[1].years[1].mean_diff, 0.0);
}

TEST(Robust, WorkbookRunwaySheetSaysMonthsAndP) {
  Results r = run_simulation(parse_scenario(test::calm_world(3) + test::kInternetAccount, "test.yaml"),
                             RunOptions{100, 3, true, 1});
  r.runway.p10 = 5.5;
  r.runway.p50 = 30.0;
  r.runway.p90 = std::nullopt;  // beyond the horizon
  r.runway.alive_12 = 0.75;
  r.runway.alive_24 = 0.5;
  r.runway.alive_36 = std::nullopt;
  const std::vector<Table> sheets = results_sheets(r);
  const Table* rw = nullptr;
  for (const Table& t : sheets)
    if (t.name == "runway") rw = &t;
  ASSERT_NE(rw, nullptr);
  EXPECT_EQ(rw->columns, (std::vector<std::string>{"statistic", "months", "calendar month", "p"}));
  ASSERT_EQ(rw->rows.size(), 6U);
  const auto str = [](const Cell& c) { return std::get<std::string>(c); };
  const auto empty = [](const Cell& c) { return std::holds_alternative<std::monostate>(c); };
  EXPECT_EQ(str(rw->rows[0][0]), "runway_p10");
  EXPECT_EQ(std::get<double>(rw->rows[0][1]), 5.5);
  EXPECT_EQ(str(rw->rows[0][2]), "2023-06");  // month 5 of a January start
  EXPECT_TRUE(empty(rw->rows[0][3]));
  EXPECT_EQ(std::get<double>(rw->rows[1][1]), 30.0);
  EXPECT_EQ(str(rw->rows[1][2]), "2025-07");
  EXPECT_TRUE(empty(rw->rows[2][1]) && empty(rw->rows[2][2]) && empty(rw->rows[2][3]));
  EXPECT_EQ(str(rw->rows[3][0]), "p_alive_12");
  EXPECT_EQ(std::get<std::int64_t>(rw->rows[3][1]), 12);
  EXPECT_TRUE(empty(rw->rows[3][2]));
  EXPECT_EQ(std::get<double>(rw->rows[3][3]), 0.75);
  EXPECT_EQ(std::get<std::int64_t>(rw->rows[4][1]), 24);
  EXPECT_EQ(std::get<double>(rw->rows[4][3]), 0.5);
  EXPECT_EQ(std::get<std::int64_t>(rw->rows[5][1]), 36);
  EXPECT_TRUE(empty(rw->rows[5][3]));
}

}  // namespace
}  // namespace revsim
