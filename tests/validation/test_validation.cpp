// The statistical validation suite: analytic cases per mechanism, each asserted to within 4
// standard errors with enough trials to be tight. docs/validation.md derives every expectation.
#include "revsim/engine.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace revsim {
namespace {

constexpr std::uint64_t kTrials = 200000;
constexpr double kZ = 4.0;  // tolerance in standard errors

/// Plenty of cash, no burn, card price 0.05, M = 1, A = 1.5 constant, capacity 1000.
std::string calm(const std::string& market_extra = "") {
  return "start_year: 2023\nyears: 5\n"
         "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}\n"
         "product: {card_price: 0.05, tco_advantage: 1.5}\n"
         "software: {maturity: 1.0, growth_per_year: 0}\n"
         "market:\n  nvidia: {gain_per_release: 1}\n" +
         market_extra;
}

Results run(const std::string& yaml, std::uint64_t trials = kTrials) {
  return run_simulation(parse_scenario(yaml, "validation.yaml"), RunOptions{trials, 20261125, true, 2});
}

double binomial_se(double p, double n) { return std::sqrt(p * (1 - p) / n); }

// ---- V1 compound Poisson government revenue -----------------------------------------------

TEST(Validation, V1_GovernmentCompoundPoisson) {
  // Every project won turnkey at arrival: R_y = v N_y, N_y ~ Poisson(lambda).
  const double lambda = 1.5, v = 100;
  const Results r = run(calm() +
                        "channels:\n  government: {projects_per_year: 1.5, value: 100, sales_cycle_months: 0, "
                        "p_slip: 0, p_win: 1, turnkey_p: 1, delivery_months: 0, sales_patience_months: 1000000}\n");
  const double p_cross = 1 - std::exp(-lambda) * (1 + lambda);  // P(N >= 2) = P(R >= 200)
  for (const YearStats& y : r.years) {
    EXPECT_NEAR(y.mean, v * lambda, kZ * v * std::sqrt(lambda / kTrials)) << y.year;
    EXPECT_NEAR(y.p_threshold, p_cross, kZ * binomial_se(p_cross, kTrials)) << y.year;
  }
}

TEST(Validation, V1b_SlipsShiftHalfTheProjectsAYear) {
  // p_slip = 0.5, max_slips = 1, no sales cycle: year 0 keeps Poisson(lambda / 2); later years
  // get the unslipped half of their own arrivals plus the slipped half of last year's:
  // Poisson(lambda / 2) + Poisson(lambda / 2) = Poisson(lambda).
  const double lambda = 2.0, v = 100;
  const Results r = run(calm() +
                        "channels:\n  government: {projects_per_year: 2, value: 100, sales_cycle_months: 0, "
                        "p_slip: 0.5, max_slips: 1, p_win: 1, turnkey_p: 1, delivery_months: 0, "
                        "sales_patience_months: 1000000}\n");
  EXPECT_NEAR(r.years[0].mean, v * lambda / 2, kZ * v * std::sqrt(lambda / 2 / kTrials));
  for (std::size_t y = 1; y < r.years.size(); ++y)
    EXPECT_NEAR(r.years[y].mean, v * lambda, kZ * v * std::sqrt(lambda / kTrials)) << y;
}

// ---- V2 Poisson thinning by p_win, turnkey / subcontract mix --------------------------------

TEST(Validation, V2_ThinningByWinsAndShares) {
  // Wins are a thinned Poisson process: N_win ~ Poisson(lambda p); each win pays v (turnkey,
  // w.p. q) or v s. E[R] = lambda p v (q + (1 - q) s); P(R = 0) = exp(-lambda p).
  const double lambda = 3, p = 0.4, q = 0.25, s = 0.3, v = 100;
  const Results r = run(calm("  within_channel_correlation: 0\n") +
                        "channels:\n  government: {projects_per_year: 3, value: 100, sales_cycle_months: 0, "
                        "p_slip: 0, p_win: 0.4, turnkey_p: 0.25, subcontract_share: 0.3, delivery_months: 0, "
                        "sales_patience_months: 1000000}\n");
  const double mean = lambda * p * v * (q + (1 - q) * s);
  const double second_moment_per_win = q * v * v + (1 - q) * v * v * s * s;
  const double sd = std::sqrt(lambda * p * second_moment_per_win);  // compound Poisson variance
  const double p_zero = std::exp(-lambda * p);
  for (const YearStats& y : r.years) {
    EXPECT_NEAR(y.mean, mean, kZ * sd / std::sqrt(kTrials)) << y.year;
    EXPECT_NEAR(y.sd, sd, kZ * sd * 0.02) << y.year;  // SE of sd is ~ sd / sqrt(2N) x kurtosis factor
    // P(R = 0): the P5 quantile is 0 exactly when P(R = 0) > 5 %.
    EXPECT_EQ(y.p5, 0.0);
  }
  EXPECT_GT(p_zero, 0.05);
}

// ---- V3 carrier awards across years, persistent listing -----------------------------------

std::string carrier(double rho) {
  return calm("  within_channel_correlation: " + std::to_string(rho) + "\n") +
         "channels:\n  carriers:\n    operators:\n      - {name: M, eval_months: 3, p_eval: 0.7, p_list: 1, "
         "annual_cards: 5000, award_share: 0.2, p_award: 0.5, tco_hurdle: 0, procurement_month: 6, "
         "delivery_months: 0}\n";
}

TEST(Validation, V3_CarrierAwardsAcrossYears) {
  // Listed w.p. 0.7 at month 3 (year 0), then each year an award w.p. 0.5 of 40 M.
  // Years >= 1 use their own Z, so for any rho: P(award in y) = 0.35, and the listing, held for
  // the horizon, correlates the years: P(award in 1 and 2) = 0.7 x 0.25 = 0.175 > 0.35^2.
  for (double rho : {0.0, 0.9}) {
    const auto out = simulate_trials(parse_scenario(carrier(rho), "v3.yaml"), 5, 0, kTrials);
    double a1 = 0, a2 = 0, both = 0;
    for (const TrialOutcome& o : out) {
      const bool x = o.year_total(1) > 0, y = o.year_total(2) > 0;
      a1 += x;
      a2 += y;
      both += x && y;
    }
    a1 /= kTrials;
    a2 /= kTrials;
    both /= kTrials;
    EXPECT_NEAR(a1, 0.35, kZ * binomial_se(0.35, kTrials)) << rho;
    EXPECT_NEAR(a2, 0.35, kZ * binomial_se(0.35, kTrials)) << rho;
    EXPECT_NEAR(both, 0.175, kZ * binomial_se(0.175, kTrials)) << rho;
  }
  // Year 0: listing and award share year 0's Z, so their joint probability moves with rho
  // (MODEL.md §6): independent at rho = 0 (0.35), larger when correlated.
  const Results r0 = run(carrier(0.0));
  const Results r9 = run(carrier(0.9));
  EXPECT_NEAR(r0.accounts[0].p_production, 1 - 0.3 - 0.7 * 0.5 * 0.5 * 0.5 * 0.5 * 0.5,
              kZ * binomial_se(0.5, kTrials));  // P(listed and at least one of five awards)
  EXPECT_GT(r9.years[0].mean, r0.years[0].mean + 5 * kZ * 40 * binomial_se(0.35, kTrials));
}

// ---- V4 ISV orders ---------------------------------------------------------------------------

TEST(Validation, V4_IsvPoissonOrdersWithGrowthAndLargeIsvs) {
  // Ten ISVs live from month 0 (migration 0, p 1, elasticity 0). Each is large w.p. 0.1
  // (120 cards a year) or orders Poisson(6 (1 + 0.5)^y) a year of uniform_int[3, 5] cards.
  // E[R_y] = 10 x 0.05 x (0.1 x 120 + 0.9 x 6 x 1.5^y x 4).
  const Results r = run(calm() +
                        "channels:\n  isv:\n    maturity_elasticity: 0\n    price_factor: 1\n"
                        "    engagements_per_year: 1200\n    migration_months: 0\n    p_migrate: 1\n"
                        "    p_large: 0.1\n    large_cards_per_year: 120\n    orders_per_year: 6\n"
                        "    order_growth: 0.5\n    cards_per_order: {uniform_int: [3, 5]}\n"
                        "    industries: [{name: finance, isvs: 10}]\n");
  // ISV k goes live at tau_k = 0.01 k (1200 engagements a year); its growth anniversaries fall
  // at 12 y + tau_k, so year y >= 1 has tau_k months at 1.5^(y-1) and the rest at 1.5^y.
  for (std::size_t y = 0; y < r.years.size(); ++y) {
    double mean = 0;
    for (int k = 0; k < 10; ++k) {
      const double tau = 0.01 * k;
      const double yy = static_cast<double>(y);
      const double large = y == 0 ? 120 * (12 - tau) / 12 : 120;
      const double order_months =
          y == 0 ? (12 - tau) : tau * std::pow(1.5, yy - 1) + (12 - tau) * std::pow(1.5, yy);
      mean += 0.05 * (0.1 * large + 0.9 * 4 * 6.0 / 12.0 * order_months);
    }
    EXPECT_NEAR(r.years[y].mean, mean, kZ * r.years[y].sd / std::sqrt(kTrials)) << y;
  }
}

// ---- V5 internet: chained gates with independent events --------------------------------------

TEST(Validation, V5_InternetGatesMultiply) {
  // rho = 0: P(production) = p_eval x p_npi x p_stable x cloud_stability_factor
  // = 0.8 x 0.7 x 0.9 x 0.5 = 0.252; an own chip w.p. 0.3 x 1.5 (investor) = 0.45 arriving at
  // month 6, before any production, removes the account: 0.252 x 0.55 = 0.1386.
  const std::string account =
      "channels:\n  internet:\n    accounts:\n      - {name: A, kind: cloud, p_eval: 0.8, p_npi: 0.7, "
      "p_stable: 0.9, cloud_stability_factor: 0.5, tco_hurdle: 0, eval_months: 2, npi_months: 6, grey_months: 2";
  const Results r = run(calm("  within_channel_correlation: 0\n") + account + ", inhouse_chip: {p: 0}}\n");
  EXPECT_NEAR(r.accounts[0].p_production, 0.252, kZ * binomial_se(0.252, kTrials));
  const Results chip = run(calm("  within_channel_correlation: 0\n") + account +
                           ", investor: true, inhouse_chip: {p: 0.3, month: 6}}\n");
  EXPECT_NEAR(chip.accounts[0].p_production, 0.1386, kZ * binomial_se(0.1386, kTrials));
}

// ---- V6 copula: marginals fixed, spread grows --------------------------------------------------

TEST(Validation, V6_CopulaMarginalsPerChannel) {
  // One success event per channel, each p = 0.4: the marginal stays 0.4 whatever rho and the
  // channel correlation; the variance of government revenue (many projects a year) grows.
  const std::uint64_t n = 100000;
  double var_prev = 0;
  for (double rho : {0.0, 0.5, 0.9}) {
    const std::string yaml =
        calm("  within_channel_correlation: " + std::to_string(rho) + "\n  channel_correlation: 0.6\n") +
        "channels:\n"
        "  carriers:\n    operators:\n      - {name: M, eval_months: 1, p_eval: 0.4, p_list: 1, p_award: 1, "
        "award_share: 1, annual_cards: 100, tco_hurdle: 0, delivery_months: 0}\n"
        "  government: {projects_per_year: 8, value: 10, sales_cycle_months: 0, p_slip: 0, p_win: 0.4, "
        "turnkey_p: 1, delivery_months: 0, sales_patience_months: 1000000}\n"
        "  internet:\n    accounts:\n      - {name: A, p_eval: 0.4, p_npi: 1, p_stable: 1, tco_hurdle: 0, "
        "eval_months: 1, npi_months: 1, grey_months: 1, inhouse_chip: {p: 0}}\n";
    const Results r = run(yaml, n);
    for (const AccountStats& a : r.accounts)
      EXPECT_NEAR(a.p_production, 0.4, kZ * binomial_se(0.4, n)) << a.name << " rho " << rho;
    // Government: E = 8 x 0.4 x 10 = 32 whatever rho.
    EXPECT_NEAR(r.years[2].channels[2].mean, 32.0, kZ * r.years[2].sd / std::sqrt(n)) << rho;
    // The spread of government revenue, measured alone: the total's variance is dominated by the
    // internet account's volume and would hide it in sampling noise.
    const std::string gov_only =
        calm("  within_channel_correlation: " + std::to_string(rho) + "\n  channel_correlation: 0.6\n") +
        "channels:\n"
        "  government: {projects_per_year: 8, value: 10, sales_cycle_months: 0, p_slip: 0, p_win: 0.4, "
        "turnkey_p: 1, delivery_months: 0, sales_patience_months: 1000000}\n";
    const Results g = run(gov_only, n);
    EXPECT_NEAR(g.years[2].mean, 32.0, kZ * g.years[2].sd / std::sqrt(n)) << rho;
    const double var = g.years[2].sd * g.years[2].sd;
    EXPECT_GT(var, var_prev) << rho;
    var_prev = var;
  }
}

// ---- V7 Nvidia cadence and own generations ------------------------------------------------------

TEST(Validation, V7_TcoAdvantageClosedForm) {
  // Constant gains, no jitter: releases at 3 + 6k, each dividing A by 1.2; an own generation at
  // month 20 multiplies it by 2. A(m) = 1.5 x 2^[m >= 20] / 1.2^(#releases <= m).
  // A first release at -10 (releases at -10, -4 count from month 0): two more divisions.
  for (double first : {3.0, -10.0}) {
    const std::string yaml = "start_year: 2023\nyears: 4\ncompany: {cash: 100000}\nproduct: {tco_advantage: 1.5, generations: [{month: 20, "
                             "perf_gain: 2}]}\nmarket:\n  nvidia: {first_release_month: " +
                             std::to_string(first) + ", interval_months: 6, jitter_months: 0, gain_per_release: 1.2}\n";
    const TrialTrace tr = trace_trial(parse_scenario(yaml, "v7.yaml"), 1, 0);
    ASSERT_EQ(tr.tco_advantage.size(), 48U);
    for (int m = 0; m < 48; ++m) {
      int releases = 0;
      for (int k = 0; first + 6 * k <= 48; ++k)
        if (std::max(0.0, first + 6 * k) <= m) ++releases;
      const double expected = 1.5 * (m >= 20 ? 2.0 : 1.0) / std::pow(1.2, releases);
      EXPECT_NEAR(tr.tco_advantage[static_cast<std::size_t>(m)], expected, 1e-12) << "month " << m;
    }
  }
}

TEST(Validation, V7b_JitteredReleasesKeepTheirMeanCount) {
  // Jitter U(-1, 1) around 3 + 6k: by month 11 the releases at 3 and 9 have always happened,
  // and the one at 15 never: A(11) = 1.5 / g1 g2 with log-normal gains; E[log A(11)] =
  // log 1.5 - 2 E[log g] where E[log g] = (log 1.05 + log 1.35) / 2 for {lognormal: [1.05, 1.35]}.
  const std::string yaml = "start_year: 2023\nyears: 2\nproduct: {tco_advantage: 1.5}\n";
  const Scenario s = parse_scenario(yaml, "v7b.yaml");
  const int n = 20000;
  double sum = 0, sum2 = 0;
  for (int t = 0; t < n; ++t) {
    const double la = std::log(trace_trial(s, 3, static_cast<std::uint64_t>(t)).tco_advantage[11]);
    sum += la;
    sum2 += la * la;
  }
  const double mean = sum / n;
  const double sd = std::sqrt(sum2 / n - mean * mean);
  const double expected = std::log(1.5) - (std::log(1.05) + std::log(1.35));
  const double sigma = (std::log(1.35) - std::log(1.05)) / (2 * 1.6448536269514722);
  EXPECT_NEAR(mean, expected, kZ * sd / std::sqrt(n));
  EXPECT_NEAR(sd, std::sqrt(2.0) * sigma, 0.02 * std::sqrt(2.0) * sigma);
}

// ---- V8 engineering capacity, branches and maturity ----------------------------------------

TEST(Validation, V8_CapacityBranchesAndMaturity) {
  // Three accounts evaluate 1 month each with capacity 1: load 3, rate 1/3, all end at month
  // 3.0 (in month 3), overloaded, each leaving a branch (hardcode_p = 1); p_eval = 0 ends them.
  // M(m) = 0.5 + 0.12 m / 12 up to month 3; from then it grows at 0.12 / 12 x (1 - 3 x 0.1).
  const std::string yaml =
      "start_year: 2023\nyears: 2\ncompany: {cash: 100000, burn_per_month: 0, poc_capacity: 1}\n"
      "software: {maturity: 0.5, growth_per_year: 0.12, branch_penalty: 0.1, hardcode_p: 1}\n"
      "channels:\n  internet:\n    defaults: {eval_months: 1, p_eval: 0, inhouse_chip: {p: 0}}\n"
      "    maturity_elasticity: 0\n    accounts: [{name: A}, {name: B}, {name: C}]\n";
  const TrialTrace tr = trace_trial(parse_scenario(yaml, "v8.yaml"), 1, 0);
  for (int m = 0; m < 24; ++m) {
    const auto i = static_cast<std::size_t>(m);
    const double expected = m <= 3 ? 0.5 + 0.01 * m : 0.53 + 0.01 * 0.7 * (m - 3);
    EXPECT_NEAR(tr.maturity[i], expected, 1e-12) << "month " << m;
    EXPECT_NEAR(tr.rate[i], m <= 3 ? 1.0 / 3.0 : 1.0, 1e-12) << "month " << m;
  }
}

TEST(Validation, V8b_IsvMigrationsBoostMaturity) {
  // Three ISVs engaged at months 0, 1, 2 migrate instantly and succeed (elasticity 0): each adds
  // isv_boost = 0.05 to M from the next month; no growth.
  const std::string yaml =
      "start_year: 2023\nyears: 1\nsoftware: {maturity: 0.5, growth_per_year: 0, isv_boost: 0.05}\n"
      "channels:\n  isv: {maturity_elasticity: 0, engagements_per_year: 12, migration_months: 0, p_migrate: 1, "
      "industries: [{name: finance, isvs: 3}]}\n";
  const TrialTrace tr = trace_trial(parse_scenario(yaml, "v8b.yaml"), 1, 0);
  const double expected[] = {0.5, 0.55, 0.6, 0.65, 0.65, 0.65};
  for (std::size_t m = 0; m < 6; ++m) EXPECT_NEAR(tr.maturity[m], expected[m], 1e-12) << m;
}

// ---- V9 cash and survival ------------------------------------------------------------------------

TEST(Validation, V9_SurvivalWithAnUncertainRaise) {
  // Cash 300, burn 10: cash < 0 in month 30. A raise of 120 at month 12 w.p. 0.6 moves it to
  // month 42. P(alive) = 1, 1, 0.4 x 0 + 0.6 = 0.6 (month 30 is in 2025), 0 (month 42 in 2026).
  const Results r = run("start_year: 2023\nyears: 4\ncompany: {cash: 300, burn_per_month: 10, "
                        "raises: [{month: 12, amount: 120, p: 0.6}]}\n");
  EXPECT_EQ(r.years[0].p_alive, 1.0);
  EXPECT_EQ(r.years[1].p_alive, 1.0);
  EXPECT_NEAR(r.years[2].p_alive, 0.6, kZ * binomial_se(0.6, kTrials));
  EXPECT_EQ(r.years[3].p_alive, 0.0);
}

}  // namespace
}  // namespace revsim
