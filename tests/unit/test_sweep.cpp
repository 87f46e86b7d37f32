// revsim sweep in the library: the --grid grammar, the cartesian product and its order, every
// point validated before a run, and each point equal to a single run with --set.
#include "revsim/sweep.hpp"
#include "revsim/scenario_io.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <sstream>

namespace revsim {
namespace {

const std::string kTurnkey = std::string(REVSIM_SOURCE_DIR) + "/scenarios/turnkey-builder.yaml";
const std::string kWin = "channels.government.p_win";
const std::string kTurnkeyP = "channels.government.turnkey_p";

/// Each year's eight statistics as the wide CSV prints them, comma-terminated.
std::string fmt_stats(const Results& r) {
  std::string s;
  for (const YearStats& y : r.years)
    s += fmt::format("{},{},{},{},{},{},{},{},", y.mean, y.p10, y.p50, y.p90, y.p_threshold, y.p_threshold_se,
                     y.p_alive, y.p_listing);
  return s;
}

/// The message of the ScenarioError `f` throws (fails the test when it throws nothing).
template <class F>
std::string scenario_error(F f) {
  try {
    f();
  } catch (const ScenarioError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ScenarioError";
  return {};
}

TEST(SweepGrid, RangeIsInclusiveAndPrintedShortest) {
  const GridAxis a = parse_grid("k=0.5:1.5:0.5");
  EXPECT_EQ(a.key, "k");
  EXPECT_EQ(a.spec, "k=0.5:1.5:0.5");
  EXPECT_EQ(a.values, (std::vector<std::string>{"0.5", "1", "1.5"}));
  // 0.3 / 0.1 is 2.9999999999999996 in binary: STOP is still included (4 values, not 3).
  EXPECT_EQ(parse_grid("x=0:0.3:0.1").values, (std::vector<std::string>{"0", "0.1", "0.2", "0.3"}));
  // A STEP that does not reach STOP stops below it; START == STOP is one value.
  EXPECT_EQ(parse_grid("x=1:2:0.4").values, (std::vector<std::string>{"1", "1.4", "1.8"}));
  EXPECT_EQ(parse_grid("x=7:7:1").values, (std::vector<std::string>{"7"}));
  EXPECT_EQ(parse_grid("x=0:9999:1").values.size(), 10000U);
}

TEST(SweepGrid, ListKeepsValuesAsWritten) {
  EXPECT_EQ(parse_grid("a.b[C D].e=1,2.50,3e-1").values, (std::vector<std::string>{"1", "2.50", "3e-1"}));
  EXPECT_EQ(parse_grid("a.b[C D].e=1,2.50,3e-1").key, "a.b[C D].e");
  EXPECT_EQ(parse_grid("k=4").values, (std::vector<std::string>{"4"}));
}

TEST(SweepGrid, RefusesWhatItCannotRead) {
  EXPECT_EQ(scenario_error([] { parse_grid("k"); }), "--grid k: expected KEY=START:STOP:STEP or KEY=V1,V2,...");
  EXPECT_EQ(scenario_error([] { parse_grid("=1,2"); }), "--grid =1,2: expected KEY=START:STOP:STEP or KEY=V1,V2,...");
  EXPECT_EQ(scenario_error([] { parse_grid("k=1,x"); }), "--grid k=1,x: k: 'x' is not a number");
  EXPECT_EQ(scenario_error([] { parse_grid("k=1,,2"); }), "--grid k=1,,2: k: '' is not a number");
  EXPECT_EQ(scenario_error([] { parse_grid("k=1,inf"); }), "--grid k=1,inf: k: 'inf' is not a number");
  EXPECT_EQ(scenario_error([] { parse_grid("k=1:2:z"); }), "--grid k=1:2:z: k: 'z' is not a number");
  const std::string range = "expected START:STOP:STEP with STEP > 0 and STOP >= START";
  EXPECT_EQ(scenario_error([] { parse_grid("k=1:0:1"); }), "--grid k=1:0:1: k: " + range);
  EXPECT_EQ(scenario_error([] { parse_grid("k=0:1:0"); }), "--grid k=0:1:0: k: " + range);
  EXPECT_EQ(scenario_error([] { parse_grid("k=0:1:-1"); }), "--grid k=0:1:-1: k: " + range);
  EXPECT_EQ(scenario_error([] { parse_grid("k=0:1"); }), "--grid k=0:1: k: " + range);
  EXPECT_EQ(scenario_error([] { parse_grid("k=0:1:1:1"); }), "--grid k=0:1:1:1: k: " + range);
  EXPECT_EQ(scenario_error([] { parse_grid("k=0:10000:1"); }), "--grid k=0:10000:1: k: more than 10000 values");
}

TEST(SweepPlan, CartesianProductLastAxisFastest) {
  const SweepPlan plan =
      plan_sweep(kTurnkey, {"years=3"}, {kWin + "=0.1:0.5:0.2", kTurnkeyP + "=0.2,0.9"});
  EXPECT_EQ(plan.keys(), (std::vector<std::string>{kWin, kTurnkeyP}));
  ASSERT_EQ(plan.points(), 6U);
  const std::vector<std::vector<std::string>> expected{{"0.1", "0.2"}, {"0.1", "0.9"}, {"0.3", "0.2"},
                                                       {"0.3", "0.9"}, {"0.5", "0.2"}, {"0.5", "0.9"}};
  EXPECT_EQ(plan.values, expected);
  // The base overrides first, then the point's values (last axis first), and the scenarios loaded with them.
  EXPECT_EQ(plan.sets[3], (std::vector<std::string>{"years=3", kTurnkeyP + "=0.9", kWin + "=0.3"}));
  for (std::size_t i = 0; i < plan.points(); ++i) {
    EXPECT_EQ(plan.scenarios[i].years, 3);
    EXPECT_DOUBLE_EQ(plan.scenarios[i].channels.government.project.p_win.mean(), std::stod(expected[i][0]));
    EXPECT_DOUBLE_EQ(plan.scenarios[i].channels.government.project.turnkey_p.mean(), std::stod(expected[i][1]));
  }
}

TEST(SweepPlan, NoGridIsOnePointAndFirstLoadedSeesItOnce) {
  int calls = 0;
  const SweepPlan plan = plan_sweep(kTurnkey, {}, {kWin + "=0.2,0.4,0.6"}, [&](const Scenario& s) {
    ++calls;
    EXPECT_DOUBLE_EQ(s.channels.government.project.p_win.mean(), 0.2);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(plan.points(), 3U);
  EXPECT_EQ(plan_sweep(kTurnkey, {}, {}).points(), 1U);
}

TEST(SweepPlan, EveryPointIsValidatedAndABadValueNamesTheGrid) {
  // The second point is refused: nothing runs, and the message is the CLI's (tests/cli/refused.txt).
  EXPECT_EQ(scenario_error([] { plan_sweep(kTurnkey, {}, {kWin + "=0.5,1.5"}); }),
            "--grid " + kWin + "=0.5,1.5: value 1.5: " + kWin + ": 1.5 is not a probability (expected 0..1)");
  try {
    plan_sweep(kTurnkey, {}, {kTurnkeyP + "=0.5", kWin + "=0.5,1.5"});
    ADD_FAILURE() << "no ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "--grid " + kWin + "=0.5,1.5: value 1.5");
    EXPECT_EQ(e.path(), kWin);
  }
  // A bad base --set keeps the loader's own message.
  EXPECT_EQ(scenario_error([] { plan_sweep(kTurnkey, {kTurnkeyP + "=2"}, {kWin + "=0.5"}); }),
            "--set " + kTurnkeyP + "=2: " + kTurnkeyP + ": 2 is not a probability (expected 0..1)");
  // Too many points is refused before any scenario is loaded.
  EXPECT_EQ(scenario_error([] { plan_sweep(kTurnkey, {}, {"a=0:99:1", "b=0:99:1", "c=0:10:1"}); }),
            "--grid: the grid has more than 100000 points");
}

TEST(Sweep, EachPointEqualsASingleRunWithSet) {
  const SweepPlan plan = plan_sweep(kTurnkey, {"years=3"}, {kWin + "=0.2,0.7"});
  const RunOptions opt{400, 11, true, 2};
  const SweepResult sw = run_sweep(plan, opt);
  ASSERT_EQ(sw.points.size(), 2U);
  EXPECT_EQ(sw.keys, (std::vector<std::string>{kWin}));
  for (std::size_t i = 0; i < 2; ++i) {
    const Results single = run_simulation(load_scenario(kTurnkey, {"years=3", kWin + "=" + sw.values[i][0]}), opt);
    const Results& r = sw.points[i];
    EXPECT_EQ(r.trials, 400U);
    EXPECT_EQ(r.seed, 11U);
    ASSERT_EQ(r.years.size(), 3U);
    for (std::size_t y = 0; y < 3; ++y) {
      EXPECT_EQ(r.years[y].mean, single.years[y].mean);
      EXPECT_EQ(r.years[y].p50, single.years[y].p50);
      EXPECT_EQ(r.years[y].p_threshold, single.years[y].p_threshold);
      EXPECT_EQ(r.years[y].p_alive, single.years[y].p_alive);
    }
  }
  // Common random numbers, and p_win matters: more wins, more revenue in every path on average.
  EXPECT_LT(sw.points[0].years[2].mean, sw.points[1].years[2].mean);
}

TEST(Sweep, PrecisionRunsEachPointToTheTarget) {
  const SweepPlan plan = plan_sweep(kTurnkey, {"years=3"}, {kWin + "=0.1,0.6"});
  PrecisionTarget t;
  t.stat = "p_threshold";
  t.se = 0.02;
  t.first_trials = 100;
  t.max_trials = 20000;
  const RunOptions opt{0, 3, true, 2};
  std::vector<std::size_t> seen;
  run_sweep(plan, opt, t, [&](const SweepPoint& p) {
    seen.push_back(p.index);
    EXPECT_EQ(*p.values, plan.values[p.index]);
    const Results alone = run_to_precision(plan.scenarios[p.index], opt, t);
    EXPECT_EQ(p.results.trials, alone.trials);
    EXPECT_EQ(p.results.years[1].p_threshold, alone.years[1].p_threshold);
    EXPECT_LE(worst_standard_error(p.results, t), t.se);
    EXPECT_EQ(p.results.trials % 100, 0U);
  });
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 1}));
}

TEST(Sweep, WideCsvHeaderAndRows) {
  const SweepPlan plan = plan_sweep(kTurnkey, {"years=3"}, {kWin + "=0.2,0.4", kTurnkeyP + "=0.5"});
  const SweepResult sw = run_sweep(plan, RunOptions{200, 5, true, 1});
  std::ostringstream fixed, prec;
  write_sweep_csv_header(fixed, sw.keys, plan.scenarios.front(), false);
  write_sweep_csv_header(prec, sw.keys, plan.scenarios.front(), true);
  const std::string years =
      "2023_mean,2023_p10,2023_p50,2023_p90,2023_p_threshold,2023_p_threshold_se,2023_p_alive,2023_p_listing,"
      "2024_mean,2024_p10,2024_p50,2024_p90,2024_p_threshold,2024_p_threshold_se,2024_p_alive,2024_p_listing,"
      "2025_mean,2025_p10,2025_p50,2025_p90,2025_p_threshold,2025_p_threshold_se,2025_p_alive,2025_p_listing,";
  EXPECT_EQ(fixed.str(), kWin + "," + kTurnkeyP + "," + years + "scenario,seed,trials\n");
  EXPECT_EQ(prec.str(), kWin + "," + kTurnkeyP + ",trials," + years + "scenario,seed\n");
  std::ostringstream row, prow;
  const Results& r = sw.points[1];
  write_sweep_csv_row(row, r, sw.values[1], false);
  write_sweep_csv_row(prow, r, sw.values[1], true);
  const std::string stats = fmt_stats(r);
  EXPECT_EQ(row.str(), "0.4,0.5," + stats + "turnkey-builder,5,200\n");
  EXPECT_EQ(prow.str(), "0.4,0.5,200," + stats + "turnkey-builder,5\n");
}

}  // namespace
}  // namespace revsim
