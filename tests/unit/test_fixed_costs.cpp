// Per-trial fixed costs (issue 14, round three): what the byte-identical shortcuts must keep.
//  - The exact summary selects the order statistics its quantiles need instead of sorting: every
//    yearly quantile, each channel's P50/P90 and the forecast audit's P10/P50/P90 equal
//    quantile_sorted of the kept samples, bit for bit.
//  - A simulator keeps (M/M0)^e and the maturity path across trials: trial t's outcome does not
//    depend on which trials the same simulator ran before it.
#include "../../sim/model/trial.hpp"
#include "revsim/engine.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace revsim {
namespace {

const std::string kDir = std::string(REVSIM_SOURCE_DIR);

std::vector<double> sorted_column(const RunOutput& o, std::size_t years, std::size_t y, int channel) {
  const std::size_t n = o.fail_month.size();
  std::vector<double> v(n);
  for (std::size_t t = 0; t < n; ++t) {
    if (channel < 0) {
      v[t] = o.totals[t * years + y];
    } else {
      v[t] = o.revenue[(t * years + y) * kChannels + static_cast<std::size_t>(channel)];
    }
  }
  std::sort(v.begin(), v.end());
  return v;
}

TEST(FixedCosts, SummaryQuantilesAreThoseOfTheSortedSamples) {
  // turnkey-builder: few large projects, so many tied zeros and ties at the top; its forecast
  // audit covers three years. 3 001 trials: h = 3000 p has a fraction for p = 0.05 ... 0.95.
  const Scenario s = load_scenario(kDir + "/scenarios/turnkey-builder.yaml");
  RunOptions opt;
  opt.trials = 3001;
  opt.threads = 2;
  const RunOutput o = run_with_samples(s, opt);
  const auto Y = static_cast<std::size_t>(s.years);
  ASSERT_EQ(o.fail_month.size(), 3001U);
  ASSERT_EQ(o.results.forecast_audit.size(), 3U);
  int zero_channels = 0;
  for (std::size_t y = 0; y < Y; ++y) {
    const std::vector<double> x = sorted_column(o, Y, y, -1);
    const YearStats& ys = o.results.years[y];
    EXPECT_EQ(ys.p5, quantile_sorted(x, 0.05)) << y;
    EXPECT_EQ(ys.p10, quantile_sorted(x, 0.10)) << y;
    EXPECT_EQ(ys.p25, quantile_sorted(x, 0.25)) << y;
    EXPECT_EQ(ys.p50, quantile_sorted(x, 0.50)) << y;
    EXPECT_EQ(ys.p75, quantile_sorted(x, 0.75)) << y;
    EXPECT_EQ(ys.p90, quantile_sorted(x, 0.90)) << y;
    EXPECT_EQ(ys.p95, quantile_sorted(x, 0.95)) << y;
    EXPECT_LT(ys.p5, ys.p95) << y;  // the data are spread: the check is not of a constant
    for (int c = 0; c < kChannels; ++c) {
      const std::vector<double> xc = sorted_column(o, Y, y, c);
      const ChannelStats& cs = ys.channels[static_cast<std::size_t>(c)];
      EXPECT_EQ(cs.p50, quantile_sorted(xc, 0.5)) << y << " " << c;
      EXPECT_EQ(cs.p90, quantile_sorted(xc, 0.9)) << y << " " << c;
      if (xc.back() == 0.0) ++zero_channels;  // carriers and ISVs: absent, all +0.0
    }
  }
  EXPECT_EQ(zero_channels, 2 * static_cast<int>(Y));
  for (const ForecastYear& fy : o.results.forecast_audit) {
    const std::vector<double> x = sorted_column(o, Y, static_cast<std::size_t>(fy.year - s.start_year), -1);
    EXPECT_EQ(fy.p10, quantile_sorted(x, 0.10)) << fy.year;
    EXPECT_EQ(fy.p50, quantile_sorted(x, 0.50)) << fy.year;
    EXPECT_EQ(fy.p90, quantile_sorted(x, 0.90)) << fy.year;
  }
}

void expect_same_outcome(const TrialOutcome& a, const TrialOutcome& b, const std::string& what) {
  EXPECT_EQ(a.revenue, b.revenue) << what;
  EXPECT_EQ(a.entity_face, b.entity_face) << what;
  EXPECT_EQ(a.fail_month, b.fail_month) << what;
  EXPECT_EQ(a.listing, b.listing) << what;
  EXPECT_EQ(a.account_revenue, b.account_revenue) << what;
  EXPECT_EQ(a.account_first, b.account_first) << what;
  EXPECT_EQ(a.largest_share, b.largest_share) << what;
  EXPECT_EQ(a.top5_share, b.top5_share) << what;
}

TEST(FixedCosts, TrialOutcomeDoesNotDependOnTheTrialsBefore) {
  // simulate_trials runs [first, first + count) on one simulator: trial 40 after trials 0 .. 39
  // (whose caches it may reuse) against trial 40 on a fresh simulator, and the same for a few
  // more. government-only (constant maturity: the kept path and the memo hit) and reference
  // (engagements bend the path: they miss and must recompute).
  for (const std::string f : {"/bench/scenarios/government-only.yaml", "/scenarios/reference.yaml",
                              "/scenarios/turnkey-builder.yaml"}) {
    const Scenario s = load_scenario(kDir + f);
    const std::vector<TrialOutcome> run = simulate_trials(s, 7, 0, 48);
    for (const std::uint64_t t : {0U, 1U, 17U, 40U, 47U}) {
      const std::vector<TrialOutcome> alone = simulate_trials(s, 7, t, 1);
      expect_same_outcome(run[t], alone[0], f + " trial " + std::to_string(t));
    }
    // Out of order on one simulator: its caches filled by later trials first.
    const detail::Prepared P(s);
    detail::TrialSimulator sim(P);
    TrialOutcome o;
    for (const std::uint64_t t : {47U, 3U, 40U, 17U}) {
      sim.run(7, t, o);
      expect_same_outcome(run[t], o, f + " trial " + std::to_string(t) + " out of order");
    }
  }
}

}  // namespace
}  // namespace revsim
