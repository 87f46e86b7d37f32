// The one trial loop and its accumulators (issue 14): merging blocks in block order gives the
// same state whatever the split into calls and the thread count; precision continues; exact
// against streaming within the documented bound; the one quantile function and the binomial
// standard error against hand-computed values; TrialOutcome's questions.
#include "../../sim/engine/trial_loop.hpp"
#include "revsim/compare.hpp"
#include "revsim/precision.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/statistics.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace revsim {
namespace {

const std::string kDir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

RunOptions threads(int n) {
  RunOptions o;
  o.threads = n;
  return o;
}

std::string json(const Results& r) { return to_json(r, false).dump(); }

// ---- One quantile function, one binomial standard error ---------------------------------------

TEST(Quantile, Type7ByHand) {
  // x = 1 2 3 4 10: h = 4 p; p = 0.1 -> 1 + 0.4 (2 - 1) = 1.4; p = 0.9 -> 4 + 0.6 (10 - 4) = 7.6.
  const std::vector<double> x{1, 2, 3, 4, 10};
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 0.1), 1.4);
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 0.25), 2.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 0.9), 7.6);
  EXPECT_DOUBLE_EQ(quantile_sorted(x, 1.0), 10.0);
  EXPECT_EQ(quantile_sorted(std::vector<double>{}, 0.5), 0.0);
  for (double p : {0.0, 0.1, 0.25, 0.5, 0.9, 1.0}) {
    std::vector<double> shuffled{10, 3, 1, 4, 2};
    EXPECT_EQ(quantile_select(shuffled, p), quantile_sorted(x, p)) << p;
  }
  // Counts per value: 0 once, 1 twice, 3 once -> data 0 1 1 3; h = 3 p.
  const std::vector<std::uint64_t> counts{1, 2, 0, 1};
  EXPECT_DOUBLE_EQ(quantile_of_counts(counts, 4, 0.5, 99), 1.0);   // h = 1.5: 1 + 0.5 (1 - 1)
  EXPECT_DOUBLE_EQ(quantile_of_counts(counts, 4, 0.9, 99), 2.4);   // h = 2.7: 1 + 0.7 (3 - 1)
  // A fifth datum beyond the counts (a survivor past the horizon): h = 3.6 needs it.
  EXPECT_EQ(quantile_of_counts(counts, 5, 0.9, std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(quantile_of_counts(counts, 5, 0.75, std::numeric_limits<double>::infinity()), 3.0);  // h = 3
  // LogHistogram goes through the same function: one value per bin middle, exact at those.
  LogHistogram h;
  for (double v : {1.0, 2.0, 3.0}) h.add(LogHistogram::middle(LogHistogram::bin(v)));
  EXPECT_DOUBLE_EQ(h.quantile(0.5), LogHistogram::middle(LogHistogram::bin(2.0)));
  EXPECT_DOUBLE_EQ(h.quantile(0.25), 0.5 * (LogHistogram::middle(LogHistogram::bin(1.0)) +
                                            LogHistogram::middle(LogHistogram::bin(2.0))));
}

TEST(Quantile, BinomialStandardErrorByHand) {
  EXPECT_NEAR(binomial_se(0.2, 100), 0.04, 1e-15);     // sqrt(0.2 x 0.8 / 100)
  EXPECT_NEAR(binomial_se(0.5, 10000), 0.005, 1e-15);  // sqrt(0.25 / 10^4)
  EXPECT_EQ(binomial_se(0.0, 50), 0.0);
  EXPECT_EQ(binomial_se(1.0, 50), 0.0);
}

// ---- TrialOutcome ------------------------------------------------------------------------------

TEST(TrialOutcome, AliveThroughAFiscalYearAndFirstCrossing) {
  TrialOutcome o;
  o.revenue.assign(3 * kChannels, 0.0);
  o.largest_share.assign(3, 0.0);
  o.revenue[1 * kChannels + 2] = 150;  // year 1: 150 + 60
  o.revenue[1 * kChannels + 0] = 60;
  o.revenue[2 * kChannels + 3] = 500;
  EXPECT_EQ(o.years(), 3);
  EXPECT_EQ(o.first_crossing(200), 1);
  EXPECT_EQ(o.first_crossing(300), 2);
  EXPECT_EQ(o.first_crossing(1000), 3);  // never: years()
  EXPECT_EQ(o.first_crossing(0), 0);
  EXPECT_TRUE(o.alive_through(2));       // never failed
  o.fail_month = 11;                      // calendar fiscal years: year 0 is months 0..11
  EXPECT_FALSE(o.alive_through(0));
  o.fail_month = 12;
  EXPECT_TRUE(o.alive_through(0));
  EXPECT_FALSE(o.alive_through(1));
  o.start_month_in_year = 4;  // month 0 is April: year 0 is months 0..8, year 1 months 9..20
  o.fail_month = 9;
  EXPECT_TRUE(o.alive_through(0));
  EXPECT_FALSE(o.alive_through(1));
  o.fail_month = 21;
  EXPECT_TRUE(o.alive_through(1));
  EXPECT_FALSE(o.alive_through(2));
}

// ---- Merging in block order ----------------------------------------------------------------------

/// Run [0, N) as the calls [cuts[i], cuts[i + 1]) with `th` threads into a fresh accumulator.
template <class Acc, class... Args>
Acc run_split(const detail::ScenarioTrials& src, const std::vector<std::uint64_t>& cuts, int th, Args&&... args) {
  Acc acc(std::forward<Args>(args)...);
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) detail::run_trials(src, cuts[i], cuts[i + 1], acc, threads(th));
  return acc;
}

TEST(TrialLoop, ExactSamplesMergeTheSameWhateverTheSplitAndThreads) {
  const Scenario s = load_scenario(kDir + "internet-first.yaml");
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, 9);
  // 1 000 trials: blocks of 256, cut inside blocks (300, 700) and on a boundary (512).
  const auto whole = run_split<detail::ExactSamples>(src, {0, 1000}, 1, d);
  const auto split = run_split<detail::ExactSamples>(src, {0, 300, 512, 700, 1000}, 3, d);
  const auto many = run_split<detail::ExactSamples>(src, {0, 1, 257, 1000}, 8, d);
  EXPECT_EQ(whole.trials(), 1000U);
  EXPECT_EQ(json(whole.results(9)), json(split.results(9)));
  EXPECT_EQ(json(whole.results(9)), json(many.results(9)));
  // Trials must follow on: a gap (or an overlap) is a programming error.
  detail::ExactSamples gap(d);
  EXPECT_THROW(detail::run_trials(src, 5, 10, gap, threads(1)), std::logic_error);
  // And the public entry point gives the same.
  RunOptions o{1000, 9, true, 2};
  EXPECT_EQ(json(whole.results(9)), json(run_simulation(s, o)));
  // The forecast audit's face value sums run through the block sums: they are there.
  ASSERT_FALSE(whole.results(9).forecast_audit.empty());
  EXPECT_GT(whole.results(9).forecast_audit.front().face_value, 0.0);
}

TEST(TrialLoop, StreamingTallyMergesTheSameWhateverTheSplitAndThreads) {
  const Scenario s = load_scenario(kDir + "reference.yaml");
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, 4);
  // Blocks of 16 384: a cut inside the first block, one on a boundary, one inside the last.
  const std::uint64_t N = 40000;
  const auto whole = run_split<detail::StreamingTally>(src, {0, N}, 1, d);
  const auto split = run_split<detail::StreamingTally>(src, {0, 10000, 16384, 33000, N}, 3, d);
  EXPECT_EQ(json(whole.results(4)), json(split.results(4)));
  EXPECT_EQ(json(whole.results(4)), json(run_streaming(s, RunOptions{N, 4, true, 2})));
}

TEST(TrialLoop, PairedTallyMergesTheSameWhateverTheSplitAndThreads) {
  const Scenario a = load_scenario(kDir + "balanced.yaml"), b = load_scenario(kDir + "internet-first.yaml");
  const detail::Prepared Pa(a), Pb(b);
  const detail::Dims da(Pa), db(Pb);
  const detail::ScenarioTrials src({&Pa, &Pb}, 7);
  using Acc = detail::CompareAccumulator<detail::StreamingTally>;
  auto make = [&] {
    return Acc({detail::StreamingTally(da), detail::StreamingTally(db)}, detail::PairedTally(2, da.Y, a.threshold));
  };
  auto paired = [&](const Acc& acc) {
    std::vector<ComparedScenario> out(2);
    for (ComparedScenario& c : out) c.years.resize(da.Y);
    std::vector<std::vector<double>> v;
    for (const auto& t : acc.each()) v.push_back(t.variances());
    acc.paired()->fill(out, v);
    nlohmann::json j = nlohmann::json::array();
    for (const PairedYear& y : out[1].years)
      j.push_back({y.mean_diff, y.se_paired, y.se_independent, y.p_threshold_diff, y.p_threshold_diff_se, y.p_greater,
                   y.p_baseline_greater});
    j.push_back({out[1].p_lists_before_baseline, out[1].p_baseline_lists_before});
    return j.dump();
  };
  Acc whole = make(), split = make();
  detail::run_trials(src, 0, 20000, whole, threads(1));
  for (auto [lo, hi] : {std::pair<std::uint64_t, std::uint64_t>{0, 5000}, {5000, 16384}, {16384, 20000}})
    detail::run_trials(src, lo, hi, split, threads(3));
  EXPECT_EQ(paired(whole), paired(split));
  EXPECT_EQ(json(whole.each()[1].results(7)), json(split.each()[1].results(7)));
}

// ---- Precision adds trials -----------------------------------------------------------------------

TEST(TrialLoop, PrecisionContinuesAndEqualsAPlainRunOfTheFinalCount) {
  const Scenario s = load_scenario(kDir + "balanced.yaml");
  RunOptions o{0, 12, true, 2};
  Simulation sim(s, o);
  (void)sim.run_to(700);  // inside the third block of 256
  const Results grown = sim.run_to(1900);
  EXPECT_EQ(sim.trials(), 1900U);
  o.trials = 1900;
  EXPECT_EQ(json(grown), json(run_simulation(s, o)));
  PrecisionTarget t;
  t.stat = "mean";
  t.se = 2.0;
  t.first_trials = 700;
  const Results p = run_to_precision(s, RunOptions{0, 12, true, 3}, t);
  EXPECT_GT(p.trials, 700U);  // it added trials
  o.trials = p.trials;
  EXPECT_EQ(json(p), json(run_simulation(s, o)));
}

TEST(TrialLoop, ComparePrecisionEqualsAPlainCompareOfTheFinalCount) {
  const std::vector<Scenario> sc{load_scenario(kDir + "example.yaml"), load_scenario(kDir + "balanced.yaml")};
  PrecisionTarget t;
  t.stat = "mean";
  t.se = 2.0;
  t.first_trials = 600;
  const Comparison grown = compare_to_precision(sc, RunOptions{0, 3, true, 2}, t);
  EXPECT_GT(grown.trials, 600U);
  const Comparison plain = compare_scenarios(sc, RunOptions{grown.trials, 3, true, 1});
  EXPECT_EQ(to_json(grown, false).dump(), to_json(plain, false).dump());
}

// ---- Exact against streaming ------------------------------------------------------------------------

TEST(TrialLoop, PairedExactAndStreamingAgreeWithinTheirTolerance) {
  // The same 20 000 trials paired from exact samples (two passes) and from the streaming tally
  // (Welford per block, Chan between blocks; counts): the counts agree exactly, the moments to
  // rounding (1e-9 relative), P50 within the LogHistogram bound (x/128 + 2^-20).
  const std::vector<Scenario> sc{load_scenario(kDir + "balanced.yaml"), load_scenario(kDir + "isv-first.yaml")};
  const Comparison exact = compare_scenarios(sc, RunOptions{20000, 5, true, 2});
  ASSERT_EQ(exact.quantiles, "exact");
  const detail::Prepared Pa(sc[0]), Pb(sc[1]);
  const detail::Dims da(Pa), db(Pb);
  const detail::ScenarioTrials src({&Pa, &Pb}, 5);
  detail::CompareAccumulator<detail::StreamingTally> acc(
      {detail::StreamingTally(da), detail::StreamingTally(db)}, detail::PairedTally(2, da.Y, sc[0].threshold));
  detail::run_trials(src, 0, 20000, acc, threads(2));
  std::vector<ComparedScenario> out(2);
  for (ComparedScenario& c : out) c.years.resize(da.Y);
  std::vector<std::vector<double>> v;
  for (const auto& t : acc.each()) v.push_back(t.variances());
  acc.paired()->fill(out, v);
  auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); };
  for (std::size_t y = 0; y < da.Y; ++y) {
    const PairedYear& e = exact.scenarios[1].years[y];
    const PairedYear& st = out[1].years[y];
    EXPECT_TRUE(close(st.mean_diff, e.mean_diff)) << y << " " << st.mean_diff << " " << e.mean_diff;
    EXPECT_TRUE(close(st.se_paired, e.se_paired)) << y;
    EXPECT_TRUE(close(st.se_independent, e.se_independent)) << y;
    EXPECT_TRUE(close(st.p_threshold_diff, e.p_threshold_diff)) << y;
    EXPECT_TRUE(close(st.p_threshold_diff_se, e.p_threshold_diff_se)) << y;
    EXPECT_EQ(st.p_greater, e.p_greater) << y;
    EXPECT_EQ(st.p_baseline_greater, e.p_baseline_greater) << y;
    const Results r = acc.each()[1].results(5);
    EXPECT_LE(std::fabs(r.years[y].p50 - exact.scenarios[1].years[y].p50),
              exact.scenarios[1].results.years[y].p75 / 128 + 0x1p-20) << y;
    EXPECT_EQ(out[0].years[y].se_independent > 0, exact.scenarios[0].years[y].se_independent > 0);
  }
  EXPECT_EQ(out[1].p_lists_before_baseline, exact.scenarios[1].p_lists_before_baseline);
  EXPECT_EQ(out[1].p_baseline_lists_before, exact.scenarios[1].p_baseline_lists_before);
}

}  // namespace
}  // namespace revsim
