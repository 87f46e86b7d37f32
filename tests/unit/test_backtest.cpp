// `revsim backtest` (issue 12): PIT, CRPS, bands and coverage against hand-computed values, the
// new scenario keys, and a scenario whose actuals are drawn from its own simulation.
#include "revsim/backtest.hpp"
#include "revsim/html_report.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace revsim {
namespace {

TEST(Backtest, PitIsTheMidRankPercentile) {
  const std::vector<double> x{1, 2, 2, 3};
  EXPECT_DOUBLE_EQ(pit_percent(x, 2), 50.0);   // 100 (1/4 + 2/4 / 2)
  EXPECT_DOUBLE_EQ(pit_percent(x, 2.5), 75.0); // 100 (3/4)
  EXPECT_DOUBLE_EQ(pit_percent(x, 1), 12.5);   // 100 (0 + 1/4 / 2)
  EXPECT_DOUBLE_EQ(pit_percent(x, 0), 0.0);
  EXPECT_DOUBLE_EQ(pit_percent(x, 9), 100.0);
  // An actual of 0 against a sample that is 0 in 3 of 4 trials: 100 (0 + 3/4 / 2).
  EXPECT_DOUBLE_EQ(pit_percent({0, 0, 0, 5}, 0), 37.5);
}

TEST(Backtest, CrpsOfSmallSamplesByHand) {
  // {1, 2, 3} at 2: E|X - a| = 2/3, E|X - X'| = 8/9 (pairs over all 9 ordered pairs): 2/3 - 4/9 = 2/9,
  // the integral of (F - 1{x >= 2})^2: (1/3)^2 on [1, 2) plus (1/3)^2 on [2, 3).
  EXPECT_NEAR(crps_sorted({1, 2, 3}, 2), 2.0 / 9.0, 1e-15);
  // At 5: E|X - a| = 3, so 3 - 4/9 = 23/9.
  EXPECT_NEAR(crps_sorted({1, 2, 3}, 5), 23.0 / 9.0, 1e-15);
  // One sample: the absolute error.
  EXPECT_DOUBLE_EQ(crps_sorted({4}, 1), 3.0);
  // {0, 10} at 0: E|X - a| = 5, E|X - X'| = 10 / 2 = 5: 5 - 2.5.
  EXPECT_DOUBLE_EQ(crps_sorted({0, 10}, 0), 2.5);
}

TEST(Backtest, CrpsMatchesThePairwiseDefinition) {
  std::vector<double> x;
  for (int i = 0; i < 101; ++i) x.push_back(std::fmod(37.0 * i * i, 101.0) + 0.25 * i);
  std::sort(x.begin(), x.end());
  for (double a : {-5.0, 17.5, 50.0, 300.0}) {
    double abs_dev = 0, pairs = 0;
    for (double xi : x) {
      abs_dev += std::fabs(xi - a);
      for (double xj : x) pairs += std::fabs(xi - xj);
    }
    const auto n = static_cast<double>(x.size());
    EXPECT_NEAR(crps_sorted(x, a), abs_dev / n - 0.5 * pairs / (n * n), 1e-9) << a;
  }
}

TEST(Backtest, PlaceReadsTheBandsOfType7Quantiles) {
  std::vector<double> x{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};  // any order
  const Placement p = place(x, 9.5);
  EXPECT_DOUBLE_EQ(p.p10, 1.9);
  EXPECT_DOUBLE_EQ(p.p90, 9.1);
  EXPECT_DOUBLE_EQ(p.p95, 9.55);
  EXPECT_FALSE(p.in80);  // 9.5 > P90
  EXPECT_TRUE(p.in90);   // 9.5 <= P95
  EXPECT_DOUBLE_EQ(p.pit, 90.0);
  EXPECT_DOUBLE_EQ(p.mean, 5.5);
  EXPECT_EQ(p.samples, 10U);
}

TEST(Backtest, WilsonIntervalByHand) {
  // 8 of 10: centre (0.8 + z^2/20) / (1 + z^2/10), half-width z / (1 + z^2/10) sqrt(0.016 + z^2/400).
  const Coverage c = wilson(8, 10, 0.8);
  EXPECT_NEAR(c.lo, 0.4901625, 1e-6);
  EXPECT_NEAR(c.hi, 0.9433178, 1e-6);
  EXPECT_TRUE(c.consistent());
  const Coverage none = wilson(0, 12, 0.8);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_NEAR(none.hi, 0.2424940, 1e-6);  // z^2 / (n + z^2), z = 1.959964
  EXPECT_FALSE(none.consistent());
}

TEST(Backtest, PoolCountsEveryCompanyYear) {
  Backtest b;
  auto year = [](int y, double pit, bool in80, bool in90, double crps, double actual) {
    BacktestYear by;
    by.year = y;
    by.revenue.samples = 100;
    by.revenue.pit = pit;
    by.revenue.in80 = in80;
    by.revenue.in90 = in90;
    by.revenue.crps = crps;
    by.revenue.actual = actual;
    return by;
  };
  BacktestCompany a;
  a.years = {year(2020, 5, false, true, 10, 100), year(2021, 50, true, true, 20, 100),
             year(2022, 100, false, false, 30, 0)};
  BacktestCompany c;
  c.years = {year(2022, 95, false, false, 40, 200)};
  BacktestYear no_revenue;  // only a top-5 share filed this year
  no_revenue.year = 2023;
  no_revenue.top5 = Placement{};
  no_revenue.top5->samples = 10;
  no_revenue.top5->in80 = true;
  no_revenue.top5->crps = 0.5;
  c.years.push_back(no_revenue);
  b.companies = {a, c};
  pool(b);
  EXPECT_EQ(b.band80.n, 4U);
  EXPECT_EQ(b.band80.inside, 1U);
  EXPECT_EQ(b.band90.inside, 2U);
  EXPECT_DOUBLE_EQ(b.mean_crps, 25.0);
  EXPECT_DOUBLE_EQ(b.mean_crps_relative, (0.1 + 0.2 + 0.2) / 3);  // actual 0 left out
  const std::array<std::uint64_t, 10> bins{1, 0, 0, 0, 0, 1, 0, 0, 0, 2};  // 100 goes in the last bin
  EXPECT_EQ(b.pit_bins, bins);
  EXPECT_EQ(b.top5_n, 1U);
  EXPECT_EQ(b.top5_band80.inside, 1U);
  EXPECT_DOUBLE_EQ(b.top5_mean_crps, 0.5);
}

TEST(Backtest, LoaderReadsTheHistoryKeys) {
  const Scenario s = test::scenario(test::calm_world(3) +
                                    "actuals: {2023: 90, 2025: 722}\n"
                                    "actuals_channels: {2024: {internet: 200, government: 50}}\n"
                                    "actuals_top5_share: {2023: 0.9}\n");
  EXPECT_EQ(s.actuals.size(), 2U);
  EXPECT_EQ(s.actuals.at(2025), 722);
  EXPECT_EQ(s.actuals_channels.at(2024).at(static_cast<int>(Channel::internet)), 200);
  EXPECT_EQ(s.actuals_channels.at(2024).at(static_cast<int>(Channel::government)), 50);
  EXPECT_EQ(s.actuals_top5_share.at(2023), 0.9);
  EXPECT_THROW(test::scenario(test::calm_world(3) + "actuals: {2026: 1}\n"), ScenarioError);
  EXPECT_THROW(test::scenario(test::calm_world(3) + "actuals_top5_share: {2023: 1.2}\n"), ScenarioError);
}

/// Three backlog contracts of uncertain value, one delivered in each year: continuous revenue.
std::string continuous_world() {
  return test::calm_world(3) +
         "channels:\n  government:\n    projects_per_year: 0\n    backlog:\n"
         "      - {name: A, value: {lognormal: [50, 400]}, delivery_end_month: 3, turnkey: true}\n"
         "      - {name: B, value: {uniform: [100, 300]}, delivery_end_month: 15, turnkey: true}\n"
         "      - {name: C, value: {normal: [200, 60]}, delivery_end_month: 27, turnkey: true}\n"
         "      - {name: D, value: {lognormal: [20, 80]}, delivery_end_month: 27, turnkey: false}\n";
}

TEST(Backtest, ScenarioPlacesItsActualsAndTopFiveShares) {
  Scenario s = test::scenario(continuous_world());
  RunOptions opt;
  opt.trials = 400;
  opt.threads = 2;
  EXPECT_THROW(backtest_scenario(s, opt), std::invalid_argument);  // no actuals
  s.actuals = {{2023, 1e6}, {2024, 0.0}};
  s.actuals_top5_share = {{2023, 0.9}};
  const BacktestCompany c = backtest_scenario(s, opt);
  ASSERT_EQ(c.years.size(), 2U);
  EXPECT_DOUBLE_EQ(c.years[0].revenue.pit, 100.0);
  EXPECT_DOUBLE_EQ(c.years[1].revenue.pit, 0.0);
  EXPECT_FALSE(c.years[0].revenue.in80);
  // One customer in 2023: every trial's top-5 share is 1, so a filed 90 % is below all of them.
  ASSERT_TRUE(c.years[0].top5.has_value());
  EXPECT_DOUBLE_EQ(c.years[0].top5->p10, 1.0);
  EXPECT_DOUBLE_EQ(c.years[0].top5->pit, 0.0);
  EXPECT_NEAR(c.years[0].top5->crps, 0.1, 1e-12);
  EXPECT_EQ(c.fan.size(), 3U);
  // The same trials whatever the thread count.
  opt.threads = 1;
  const BacktestCompany one = backtest_scenario(s, opt);
  EXPECT_EQ(one.years[1].revenue.crps, c.years[1].revenue.crps);
}

TEST(Backtest, ActualsDrawnFromTheModelItselfGiveUniformPits) {
  // Actuals from trials of another seed are draws from the simulated distribution: their PITs
  // must look uniform (chi-square, 10 bins, 9 degrees of freedom, 1 % level: 21.666).
  Scenario s = test::scenario(continuous_world());
  const std::vector<TrialOutcome> truth = simulate_trials(s, 4242, 0, 100);
  RunOptions opt;
  opt.trials = 1000;
  opt.threads = 2;
  std::array<double, 10> bins{};
  double n = 0;
  for (const TrialOutcome& o : truth) {
    s.actuals.clear();
    for (int y = 0; y < 3; ++y) s.actuals[2023 + y] = o.year_total(y);
    for (const BacktestYear& y : backtest_scenario(s, opt).years) {
      bins[std::min<std::size_t>(9, static_cast<std::size_t>(y.revenue.pit / 10))] += 1;
      n += 1;
    }
  }
  ASSERT_EQ(n, 300);
  double chi2 = 0;
  for (double k : bins) chi2 += (k - n / 10) * (k - n / 10) / (n / 10);
  EXPECT_LT(chi2, 21.666);
  // ... and about 80 % of them inside P10-P90 (Wilson 95 % interval of the rate holds 0.8).
  Backtest b;
  for (const TrialOutcome& o : truth) {
    s.actuals.clear();
    s.actuals[2024] = o.year_total(1);
    b.companies.push_back(backtest_scenario(s, opt));
  }
  pool(b);
  EXPECT_TRUE(b.band80.consistent()) << b.band80.inside << " of " << b.band80.n;
}

TEST(Backtest, HtmlPageHasThePitHistogramAndFanCharts) {
  Scenario s = test::scenario(continuous_world());
  s.actuals = {{2023, 150}, {2024, 5000}};
  RunOptions opt;
  opt.trials = 300;
  Backtest b = backtest({s}, opt);
  HtmlReport rep;
  rep.backtest = &b;
  std::ostringstream html;
  write_html(html, rep);
  const std::string h = html.str();
  EXPECT_NE(h.find("id=\"pit-histogram\""), std::string::npos);
  std::size_t bins = 0;
  for (auto at = h.find("class=\"pit-bin\""); at != std::string::npos; at = h.find("class=\"pit-bin\"", at + 1)) ++bins;
  EXPECT_EQ(bins, 10U);
  EXPECT_NE(h.find("class=\"actual\" data-year=\"2024\" data-value=\"5000\" data-pit=\"100\" data-in-p10-p90=\"false\""),
            std::string::npos);
  EXPECT_NE(h.find("id=\"backtest-fan-0\""), std::string::npos);
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("https://"), std::string::npos);
}

}  // namespace
}  // namespace revsim
