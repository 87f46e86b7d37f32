// Streaming quantiles (bounded memory): the LogHistogram's error bound against exact order
// statistics, merges in any order, and the streaming engine against the exact one on the same
// trials.
#include "revsim/engine.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/statistics.hpp"
#include "revsim/streaming.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace revsim {
namespace {

const std::string kRef = std::string(REVSIM_SOURCE_DIR) + "/scenarios/reference.yaml";

/// The documented bound: |estimate - exact| <= x_(k+1) / 128 + 2^-20, k = floor(p (n - 1)).
void expect_within_bound(const LogHistogram& h, std::vector<double> x, const char* what) {
  std::sort(x.begin(), x.end());
  for (double p = 0.01; p < 1.0; p += 0.01) {
    const double exact = quantile_sorted(x, p);
    const auto k = static_cast<std::size_t>(std::floor(p * static_cast<double>(x.size() - 1)));
    const double upper = x[std::min(k + 1, x.size() - 1)];
    EXPECT_LE(std::fabs(h.quantile(p) - exact), upper / 128 + 0x1p-20) << what << " p=" << p;
  }
}

TEST(LogHistogram, QuantilesWithinTheBound) {
  Random r(5, 0, 0);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) {
    const double u = r.uniform();
    x.push_back(u < 0.3 ? 0.0 : std::exp(3 + 2.5 * r.normal()));  // a third zeros, heavy tail
  }
  LogHistogram h;
  for (double v : x) h.add(v);
  EXPECT_EQ(h.count(), x.size());
  expect_within_bound(h, x, "lognormal with zeros");
  // The bound is tight enough to matter (some estimate is off by more than 1/1000), and each
  // order statistic's estimate is never further from it than its bin's middle.
  std::vector<double> y = x;
  std::sort(y.begin(), y.end());
  double worst = 0;
  for (double p = 0.35; p < 1.0; p += 0.01) worst = std::max(worst, std::fabs(h.quantile(p) / quantile_sorted(y, p) - 1));
  EXPECT_GT(worst, 1e-3);
  EXPECT_LT(worst, 1.0 / 128 + 1e-12);
  for (std::uint64_t k = 0; k < y.size(); k += 997) {
    const double middle = LogHistogram::middle(LogHistogram::bin(y[k]));
    EXPECT_LE(std::fabs(h.order_statistic(k) - y[k]), std::fabs(middle - y[k])) << k;
  }
}

TEST(LogHistogram, ExtremesAndPointMassesAreExact) {
  // A value every trial shares (revenue already booked, say) and the smallest and largest of
  // a bin come back exactly: the helper's government revenue of 30 in every trial read 30.125.
  LogHistogram same;
  for (int i = 0; i < 1000; ++i) same.add(30.0);
  for (double p : {0.0, 0.05, 0.5, 0.9, 1.0}) EXPECT_EQ(same.quantile(p), 30.0) << p;
  // Two point masses in one bin (42.0 and 42.25 share the bin [42, 42.5)): each exact where
  // the type-7 quantile is.
  LogHistogram two;
  for (int i = 0; i < 600; ++i) two.add(42.0);
  for (int i = 0; i < 400; ++i) two.add(42.25);
  ASSERT_EQ(LogHistogram::bin(42.0), LogHistogram::bin(42.25));
  EXPECT_EQ(two.quantile(0.0), 42.0);
  EXPECT_EQ(two.quantile(1.0), 42.25);
  EXPECT_GE(two.quantile(0.5), 42.0);
  EXPECT_LE(two.quantile(0.5), 42.25);
  // Spread values: P0 and P100 exact, the rest within the bin.
  Random r(3, 0, 0);
  std::vector<double> x;
  LogHistogram h;
  for (int i = 0; i < 5000; ++i) h.add(x.emplace_back(std::exp(4 + r.normal())));
  std::sort(x.begin(), x.end());
  EXPECT_EQ(h.quantile(0.0), x.front());
  EXPECT_EQ(h.quantile(1.0), x.back());
  // Merged from parts in either order: the same minima and maxima, the same estimates.
  LogHistogram a, b;
  for (std::size_t i = 0; i < x.size(); ++i) (i % 3 == 0 ? a : b).add(x[i]);
  LogHistogram ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  for (double p = 0; p <= 1.0; p += 0.05) {
    EXPECT_EQ(ab.quantile(p), h.quantile(p)) << p;
    EXPECT_EQ(ba.quantile(p), h.quantile(p)) << p;
  }
}

TEST(Statistics, SelectionGivesTheSortedQuantile) {
  Random r(2, 0, 0);
  for (std::size_t n : {1U, 2U, 3U, 10U, 1001U}) {
    std::vector<double> x(n);
    for (double& v : x) v = r.uniform() < 0.4 ? 0.0 : r.normal();  // ties and negatives
    std::vector<double> sorted = x;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {0.0, 0.1, 0.25, 0.5, 0.9, 0.95, 1.0}) {
      std::vector<double> y = x;
      EXPECT_EQ(quantile_select(y, p), quantile_sorted(sorted, p)) << n << " " << p;
    }
  }
}

TEST(LogHistogram, BinsAndMiddles) {
  for (double v : {1e-5, 0.3, 1.0, 1.5, 199.99, 200.0, 12345.678, 1e12}) {
    const double m = LogHistogram::middle(LogHistogram::bin(v));
    EXPECT_LE(std::fabs(m - v), v / 128) << v;
  }
  EXPECT_EQ(LogHistogram::bin(1.0), LogHistogram::bin(1.0 + 1.0 / 128));
  EXPECT_NE(LogHistogram::bin(1.0), LogHistogram::bin(1.0 + 1.0 / 64));
  EXPECT_EQ(LogHistogram::bin(1e-30), 0U);
  EXPECT_EQ(LogHistogram::bin(1e30), LogHistogram::kBins - 1);
}

TEST(LogHistogram, MergeOrderDoesNotMatter) {
  Random r(9, 0, 0);
  LogHistogram parts[3], all;
  for (int i = 0; i < 30000; ++i) {
    const double v = std::exp(2 * r.normal());
    parts[i % 3].add(v);
    all.add(v);
  }
  LogHistogram a, b;
  a.merge(parts[0]), a.merge(parts[1]), a.merge(parts[2]);
  b.merge(parts[2]), b.merge(parts[0]), b.merge(parts[1]);
  for (double p : {0.05, 0.5, 0.95}) {
    EXPECT_EQ(a.quantile(p), all.quantile(p));
    EXPECT_EQ(b.quantile(p), all.quantile(p));
  }
  EXPECT_TRUE(std::equal(a.bins().begin(), a.bins().end(), all.bins().begin()));
}

TEST(Streaming, AgreesWithExactOnTheSameTrials) {
  const Scenario s = load_scenario(kRef);
  const RunOptions o{40000, 3, true, 2};
  const RunOutput exact = run_with_samples(s, o);
  const Results st = run_streaming(s, o);
  const Results& ex = exact.results;
  EXPECT_EQ(ex.quantiles, "exact");
  EXPECT_EQ(st.quantiles, "streaming");
  const std::size_t Y = ex.years.size();
  for (std::size_t y = 0; y < Y; ++y) {
    const YearStats& a = ex.years[y];
    const YearStats& b = st.years[y];
    EXPECT_NEAR(b.mean, a.mean, 1e-9 * std::max(1.0, a.mean));
    EXPECT_NEAR(b.sd, a.sd, 1e-9 * std::max(1.0, a.sd));
    // Counts are exact.
    EXPECT_EQ(b.p_threshold, a.p_threshold);
    EXPECT_EQ(b.p_alive, a.p_alive);
    EXPECT_EQ(b.p_listing, a.p_listing);
    for (std::size_t c = 0; c < kChannels; ++c)
      EXPECT_NEAR(b.channels[c].mean, a.channels[c].mean, 1e-9 * std::max(1.0, a.channels[c].mean));
    // Quantiles within the bound of the exact order statistics of the same totals.
    std::vector<double> x(exact.totals.size() / Y);
    for (std::size_t t = 0; t < x.size(); ++t) x[t] = exact.totals[t * Y + y];
    std::sort(x.begin(), x.end());
    const double ps[] = {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95};
    const double got[] = {b.p5, b.p10, b.p25, b.p50, b.p75, b.p90, b.p95};
    const double want[] = {a.p5, a.p10, a.p25, a.p50, a.p75, a.p90, a.p95};
    for (int i = 0; i < 7; ++i) {
      const auto k = static_cast<std::size_t>(std::floor(ps[i] * static_cast<double>(x.size() - 1)));
      EXPECT_LE(std::fabs(got[i] - want[i]), x[std::min(k + 1, x.size() - 1)] / 128 + 0x1p-20) << y << " p" << ps[i];
    }
  }
  EXPECT_EQ(st.first_crossing, ex.first_crossing);
  EXPECT_EQ(st.survival, ex.survival);
  // Runway from the same integer counts; concentration sums formed in other blocks.
  EXPECT_EQ(st.runway.p10, ex.runway.p10);
  EXPECT_EQ(st.runway.p50, ex.runway.p50);
  EXPECT_EQ(st.runway.p90, ex.runway.p90);
  EXPECT_EQ(st.runway.alive_36, ex.runway.alive_36);
  ASSERT_EQ(st.concentration.size(), ex.concentration.size());
  for (std::size_t y = 0; y < Y; ++y) {
    EXPECT_EQ(st.concentration[y].trials, ex.concentration[y].trials);
    EXPECT_EQ(st.concentration[y].p_largest_over_half, ex.concentration[y].p_largest_over_half);
    EXPECT_NEAR(st.concentration[y].largest_share, ex.concentration[y].largest_share, 1e-12);
    EXPECT_NEAR(st.concentration[y].top5_share, ex.concentration[y].top5_share, 1e-12);
  }
  ASSERT_EQ(st.accounts.size(), ex.accounts.size());
  for (std::size_t a = 0; a < ex.accounts.size(); ++a) {
    EXPECT_EQ(st.accounts[a].p_production, ex.accounts[a].p_production);
    EXPECT_EQ(st.accounts[a].median_first_order_month, ex.accounts[a].median_first_order_month);
    EXPECT_NEAR(st.accounts[a].mean_revenue, ex.accounts[a].mean_revenue, 1e-9 * std::max(1.0, ex.accounts[a].mean_revenue));
  }
  // The report's histogram: every trial in one bar, zeros exact.
  for (std::size_t y = 0; y < Y; ++y) {
    std::uint64_t n = st.histograms[y].zeros + st.histograms[y].above;
    for (auto k : st.histograms[y].counts) n += k;
    EXPECT_EQ(n, 40000U);
    EXPECT_EQ(st.histograms[y].zeros, ex.histograms[y].zeros);
  }
}

TEST(Streaming, ForecastAuditCountsAreExact) {
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml");
  const RunOptions o{20000, 4, true, 2};
  const Results ex = run_with_samples(s, o).results;
  const Results st = run_streaming(s, o);
  ASSERT_EQ(st.forecast_audit.size(), ex.forecast_audit.size());
  ASSERT_FALSE(ex.forecast_audit.empty());
  for (std::size_t f = 0; f < ex.forecast_audit.size(); ++f) {
    EXPECT_NEAR(st.forecast_audit[f].percentile, ex.forecast_audit[f].percentile, 1e-9);
    EXPECT_EQ(st.forecast_audit[f].p_at_least, ex.forecast_audit[f].p_at_least);
    EXPECT_NEAR(st.forecast_audit[f].face_value, ex.forecast_audit[f].face_value, 1e-9 * ex.forecast_audit[f].face_value);
  }
}

TEST(Streaming, SameResultWhateverTheThreads) {
  const Scenario s = load_scenario(kRef);
  const auto a = to_json(run_streaming(s, RunOptions{40000, 8, true, 1}), false).dump();
  const auto b = to_json(run_streaming(s, RunOptions{40000, 8, true, 2}), false).dump();
  const auto c = to_json(run_streaming(s, RunOptions{40000, 8, true, 8}), false).dump();
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(Streaming, RunSimulationSwitchesAboveTheExactLimit) {
  const Scenario s = load_scenario(kRef);
  const std::uint64_t per_trial = run_memory_bytes(s, 1);
  const std::uint64_t limit = kMaxExactBytes / per_trial;
  EXPECT_TRUE(exact_quantiles(s, limit));
  EXPECT_FALSE(exact_quantiles(s, limit + 1));
}

}  // namespace
}  // namespace revsim
