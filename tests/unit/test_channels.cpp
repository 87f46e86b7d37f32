// Each channel in a deterministic configuration against a hand-computed yearly revenue, and
// in an analytic stochastic configuration against its closed form (tolerance: 4 standard
// errors). The calm world (test_support.hpp): price 0.05, M = 1, A = 1.5, capacity 1000.
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

namespace revsim {
namespace {

using test::calm_world;
using test::mean_total;
using test::replace;
using test::scenario;

using test::kInternetAccount;

std::string internet(const std::string& extra_account_keys = "", const std::string& world = calm_world()) {
  return world + kInternetAccount + extra_account_keys;
}

TEST(Internet, HandComputedTimeline) {
  // Evaluation [0, 2), NPI [2, 12), grey release of 100 cards paid at month 12 (5 M),
  // production from month 15: year 0 at 10000 x 0.2 x 0.25 x 0.5 = 250 cards a year, then 500.
  // 2024: 5 + 9 months x 250/12 x 0.05 = 14.375; 2025: (3 x 250/12 + 9 x 500/12) x 0.05 = 21.875.
  const auto out = simulate_trials(scenario(internet("        inhouse_chip: {p: 0}\n")), 1, 0, 20);
  for (const auto& o : out) {
    EXPECT_DOUBLE_EQ(o.year_total(0), 0.0);
    EXPECT_NEAR(o.year_total(1), 14.375, 1e-9);
    EXPECT_NEAR(o.year_total(2), 21.875, 1e-9);
    EXPECT_NEAR(o.year_total(3), 25.0, 1e-9);
    EXPECT_NEAR(o.year_total(4), 25.0, 1e-9);
    EXPECT_EQ(o.account_first[0], 15);
    EXPECT_NEAR(o.account_revenue[0], 14.375 + 21.875 + 50.0, 1e-9);
    EXPECT_EQ(o.fail_month, -1);
  }
}

TEST(Internet, OwnChipCutsVolumeToResidual) {
  // Own chip at month 30: from then volume x 0.1. 2025: (3 x 250/12 + 3 x 500/12 + 6 x 50/12) x 0.05.
  const auto out = simulate_trials(
      scenario(internet("        inhouse_chip: {p: 1, month: 30, residual: 0.1}\n")), 1, 0, 5);
  for (const auto& o : out) {
    EXPECT_NEAR(o.year_total(1), 14.375, 1e-9);
    EXPECT_NEAR(o.year_total(2), (62.5 + 125 + 25) * 0.05, 1e-9);
    EXPECT_NEAR(o.year_total(3), 50 * 0.05, 1e-9);
  }
}

TEST(Internet, OwnChipBeforeProductionEndsTheAccount) {
  const auto out = simulate_trials(
      scenario(internet("        inhouse_chip: {p: 1, month: 14.5, residual: 0.1}\n")), 1, 0, 5);
  for (const auto& o : out) {
    EXPECT_NEAR(o.year_total(1), 5.0, 1e-9);  // the paid grey release only
    EXPECT_EQ(o.year_total(2), 0.0);
    EXPECT_EQ(o.account_first[0], -1);
  }
}

TEST(Internet, InvestorNpiIsFaster) {
  // NPI 10 x 0.6 = 6 months: grey at month 8, production from 11.
  const auto out = simulate_trials(
      scenario(internet("        investor: true\n        inhouse_chip: {p: 0}\n")), 1, 0, 5);
  for (const auto& o : out) EXPECT_EQ(o.account_first[0], 11);
}

TEST(Internet, TcoHurdleAtDecisionAndAnniversary) {
  // Nvidia gains 1.1 at months 3, 9, 15, 21, 27, ...: A = 1.5 / 1.1^k. At the grey release's end
  // (month 15) A = 1.5 / 1.1^3 = 1.127 >= 1.1: production. At the first anniversary (month 27)
  // A = 1.5 / 1.1^5 = 0.931 < 1.1: it stops for good.
  std::string world = calm_world();
  world = replace(world, "nvidia: {gain_per_release: 1}", "nvidia: {gain_per_release: 1.1, jitter_months: 0}");
  const auto out = simulate_trials(
      scenario(replace(internet("        inhouse_chip: {p: 0}\n", world), "tco_hurdle: 0", "tco_hurdle: 1.1")), 1, 0, 5);
  for (const auto& o : out) {
    EXPECT_NEAR(o.year_total(1), 14.375, 1e-9);
    EXPECT_NEAR(o.year_total(2), 62.5 * 0.05, 1e-9);
    EXPECT_EQ(o.year_total(3), 0.0);
  }
  // With a hurdle of 1.2 (A(15) = 1.127) there is no production at all.
  const auto none = simulate_trials(
      scenario(replace(internet("        inhouse_chip: {p: 0}\n", world), "tco_hurdle: 0", "tco_hurdle: 1.2")), 1, 0, 5);
  for (const auto& o : none) EXPECT_EQ(o.account_first[0], -1);
}

TEST(Internet, CapacitySlowsEngagements) {
  // Two accounts and capacity 1: load 2, rate 1/2, so evaluation takes 4 months and NPI 20;
  // grey at 24, production from 27 for both.
  std::string world = calm_world();
  world = replace(world, "poc_capacity: 1000", "poc_capacity: 1");
  std::string yaml = internet("        inhouse_chip: {p: 0}\n", world);
  yaml += "      - {name: B, eval_months: 2, p_eval: 1, npi_months: 10, p_npi: 1, p_grey_paid: 1, grey_months: 3,\n"
          "         p_stable: 1, tco_hurdle: 0, inhouse_chip: {p: 0}}\n";
  const auto out = simulate_trials(scenario(yaml), 1, 0, 5);
  for (const auto& o : out) {
    EXPECT_EQ(o.account_first[0], 27);
    EXPECT_EQ(o.account_first[1], 27);
  }
}

TEST(Internet, ValuesMeanTodayWhateverTheMaturity) {
  // Version 2 (values mean today): with M0 = 0.5 and no growth, probabilities and durations are
  // as written. Gates of 0.5 each (eval, NPI, stable; rho = 0): P(production) = 0.125, and the
  // timeline is the hand-computed one: production from month 15.
  std::string world = calm_world();
  world = replace(world, "maturity: 1.0", "maturity: 0.5");
  world += "  within_channel_correlation: 0\n";
  std::string yaml = internet("        inhouse_chip: {p: 0}\n", world);
  yaml = replace(replace(replace(yaml, "p_eval: 1", "p_eval: 0.5"), "p_npi: 1", "p_npi: 0.5"), "p_stable: 1",
                 "p_stable: 0.5");
  const int n = 40000;
  const Results r = run_simulation(scenario(yaml), RunOptions{n, 0, false, 2});
  const double p = 0.125;
  EXPECT_NEAR(r.accounts[0].p_production, p, 4 * std::sqrt(p * (1 - p) / n));
  ASSERT_TRUE(r.accounts[0].median_first_order_month.has_value());
  EXPECT_EQ(*r.accounts[0].median_first_order_month, 15.0);
}

TEST(Internet, ProbabilityOneIsCertainAtAnyMaturity) {
  // Version 1 multiplied p by M^e, so p = 1 meant 0.1 here; now every trial reaches production.
  std::string world = calm_world();
  world = replace(world, "maturity: 1.0", "maturity: 0.1");
  const auto out = simulate_trials(scenario(internet("        inhouse_chip: {p: 0}\n", world)), 1, 0, 500);
  for (const auto& o : out) {
    ASSERT_EQ(o.account_first[0], 15);
    EXPECT_NEAR(o.year_total(1), 14.375, 1e-9);
  }
}

TEST(Internet, MaturityGrowthRaisesChancesAndShortensEngagements) {
  // M0 = 0.5 growing 0.05 a month (growth_per_year 0.6), e = 1. Evaluation [0, 2) at today's
  // duration; its gate in month 2 with M = 0.6: p = 0.5 x 0.6/0.5 = 0.6. NPI from month 2 takes
  // 10 x 0.5/0.6 = 8.33 months (to 10.33); its gate in month 10 (M = 1): min(1, 0.5 x 2) = 1.
  // Grey to 13.33; p_stable 0.5 x 2 = 1. So P(production) = 0.6, production from month 13.33.
  std::string world = calm_world();
  world = replace(world, "software: {maturity: 1.0, growth_per_year: 0}", "software: {maturity: 0.5, growth_per_year: 0.6}");
  world += "  within_channel_correlation: 0\n";
  std::string yaml = internet("        inhouse_chip: {p: 0}\n", world);
  yaml = replace(replace(replace(yaml, "p_eval: 1", "p_eval: 0.5"), "p_npi: 1", "p_npi: 0.5"), "p_stable: 1",
                 "p_stable: 0.5");
  const Scenario s = scenario(yaml);
  const auto trace = trace_trial(s, 1, 0);
  EXPECT_NEAR(trace.maturity[2], 0.6, 1e-12);
  const int n = 40000;
  const Results r = run_simulation(s, RunOptions{n, 0, false, 2});
  const double p = 0.6;
  EXPECT_NEAR(r.accounts[0].p_production, p, 4 * std::sqrt(p * (1 - p) / n));
  ASSERT_TRUE(r.accounts[0].median_first_order_month.has_value());
  EXPECT_EQ(*r.accounts[0].median_first_order_month, 13.0);
  // The grey release (5 M) is paid in month 10 (2023); production year 0 from 13.33 at 250 cards
  // a year: 2024 books 10.67 months of it.
  const auto out = simulate_trials(s, 1, 0, 200);
  int produced = 0;
  for (const auto& o : out) {
    if (o.account_first[0] < 0) continue;
    ++produced;
    EXPECT_NEAR(o.year_total(0), 5.0, 1e-9);
    EXPECT_NEAR(o.year_total(1), (24.0 - 40.0 / 3.0) * 250.0 / 12.0 * 0.05, 1e-9);
  }
  EXPECT_GT(produced, 0);
}

TEST(Internet, AnalyticEvaluationPassRate) {
  const Scenario s = scenario(replace(internet("        inhouse_chip: {p: 0}\n"), "p_eval: 1", "p_eval: 0.6"));
  const int n = 40000;
  const Results r = run_simulation(s, RunOptions{n, 0, false, 2});
  EXPECT_NEAR(r.accounts[0].p_production, 0.6, 4 * std::sqrt(0.24 / n));
  EXPECT_NEAR(r.years[3].mean, 0.6 * 25.0, 4 * std::sqrt(0.24 / n) * 25.0);
}

std::string carrier(const std::string& keys, const std::string& world = calm_world()) {
  return world +
         "channels:\n  carriers:\n    operators:\n      - {name: M, eval_months: 3, p_eval: 1, p_list: 1, "
         "annual_cards: 5000, award_share: 0.2, p_award: 1, tco_hurdle: 0, procurement_month: 6" +
         keys + "}\n";
}

TEST(Carriers, HandComputedAwards) {
  // Listed at month 3; each year 1000 cards x 0.05 x 0.8 = 40 M awarded at T = 12y + 6 and
  // delivered over 12 months: half in the award's year, half in the next.
  const auto out = simulate_trials(scenario(carrier(", delivery_months: 12")), 1, 0, 5);
  for (const auto& o : out) {
    EXPECT_NEAR(o.year_total(0), 20.0, 1e-9);
    for (int y = 1; y < 5; ++y) EXPECT_NEAR(o.year_total(y), 40.0, 1e-9);
    EXPECT_EQ(o.account_first[0], 6);
  }
}

TEST(Carriers, ListedAfterProcurementWaitsAYear) {
  const auto late = simulate_trials(scenario(carrier(", delivery_months: 0, start_month: 4")), 1, 0, 3);
  for (const auto& o : late) {  // listed at 7 > 6: first award in 2024, all in month 18
    EXPECT_EQ(o.year_total(0), 0.0);
    EXPECT_NEAR(o.year_total(1), 40.0, 1e-9);
    EXPECT_EQ(o.account_first[0], 18);
  }
  const auto exact = simulate_trials(scenario(carrier(", delivery_months: 0, start_month: 3")), 1, 0, 3);
  for (const auto& o : exact) EXPECT_NEAR(o.year_total(0), 40.0, 1e-9);  // listed at 6 = T
}

TEST(Carriers, AnalyticAwardProbability) {
  // rho = 0: each year's award is an independent p = 0.5 event: mean 20 M, P(award) = 0.5.
  std::string yaml = carrier(", delivery_months: 0", calm_world() + "  within_channel_correlation: 0\n");
  yaml = replace(yaml, "p_award: 1", "p_award: 0.5");
  const int n = 40000;
  const auto out = simulate_trials(scenario(yaml), 1, 0, n);
  for (int y = 0; y < 5; ++y) {
    int awarded = 0;
    for (const auto& o : out) awarded += o.year_total(y) > 0 ? 1 : 0;
    EXPECT_NEAR(awarded / static_cast<double>(n), 0.5, 4 * std::sqrt(0.25 / n)) << y;
    EXPECT_NEAR(mean_total(out, y), 20.0, 4 * 20.0 / std::sqrt(n)) << y;
  }
}

/// Government with every project won turnkey at arrival; `keys` adds or overrides keys.
std::string government(const std::string& keys, const std::string& world = calm_world()) {
  std::map<std::string, std::string> kv{{"sales_cycle_months", "0"}, {"p_slip", "0"}, {"p_win", "1"},
                                        {"turnkey_p", "1"}, {"delivery_months", "0"},
                                        {"sales_patience_months", "1000000"}, {"value", "100"}};
  std::istringstream in(keys);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto colon = item.find(':');
    if (colon == std::string::npos) continue;
    auto trim = [](std::string x) {
      x.erase(0, x.find_first_not_of(' '));
      x.erase(x.find_last_not_of(' ') + 1);
      return x;
    };
    kv[trim(item.substr(0, colon))] = trim(item.substr(colon + 1));
  }
  std::string yaml = world + "channels:\n  government:\n";
  for (const auto& [k, v] : kv) yaml += "    " + k + ": " + v + "\n";
  return yaml;
}

TEST(Government, AnalyticCompoundPoisson) {
  // Every project won turnkey at arrival: yearly revenue = 100 x Poisson(1.5).
  const int n = 40000;
  const Results r = run_simulation(scenario(government(", projects_per_year: 1.5")), RunOptions{n, 0, false, 2});
  const double p_ge_2 = 1 - 2.5 * std::exp(-1.5);
  for (const YearStats& y : r.years) {
    EXPECT_NEAR(y.mean, 150.0, 4 * std::sqrt(15000.0 / n)) << y.year;
    EXPECT_NEAR(y.sd * y.sd, 15000.0, 4 * 15000.0 * std::sqrt((2.0 + 1 / 1.5) / n)) << y.year;
    EXPECT_NEAR(y.p_threshold, p_ge_2, 4 * std::sqrt(p_ge_2 * (1 - p_ge_2) / n)) << y.year;
    EXPECT_NEAR(y.channels[2].share, 1.0, 1e-12);
  }
}

TEST(Government, AnalyticThinningBySubcontractWins) {
  // p_win = 0.4 independent (rho = 0), subcontract at 30 %: revenue = 30 x Poisson(2 x 0.4).
  std::string world = calm_world() + "  within_channel_correlation: 0\n";
  const int n = 40000;
  const Results r = run_simulation(
      scenario(government(", projects_per_year: 2, p_win: 0.4, turnkey_p: 0, subcontract_share: 0.3", world)),
      RunOptions{n, 0, false, 2});
  for (const YearStats& y : r.years) EXPECT_NEAR(y.mean, 24.0, 4 * std::sqrt(900 * 0.8 / n)) << y.year;
}

TEST(Government, SlipMovesRevenueAYear) {
  const auto out = simulate_trials(scenario(government(", projects_per_year: 1.5, p_slip: 1, max_slips: 1")), 1, 0,
                                   20000);
  for (const auto& o : out) EXPECT_EQ(o.year_total(0), 0.0);
  EXPECT_NEAR(mean_total(out, 1), 150.0, 4 * std::sqrt(15000.0 / 20000));
}

TEST(Government, SalesTeamThatAlwaysLeavesLosesEverything) {
  // Cycle 13 > patience 12: no win comes before a check, the team leaves at every check and
  // takes every open opportunity with it.
  const auto out = simulate_trials(
      scenario(government(", projects_per_year: 3, sales_cycle_months: 13, sales_patience_months: 12, "
                          "p_sales_leave: 1, rehire_months: 0")),
      1, 0, 2000);
  for (const auto& o : out)
    for (int y = 0; y < 5; ++y) EXPECT_EQ(o.year_total(y), 0.0);
  const auto stays = simulate_trials(
      scenario(government(", projects_per_year: 3, sales_cycle_months: 13, sales_patience_months: 12, "
                          "p_sales_leave: 0")),
      1, 0, 2000);
  EXPECT_GT(mean_total(stays, 2), 250.0);
}

TEST(Government, TurnkeyCostCanSinkTheCompany) {
  // Cash 10, no burn, margin 0.5: a won turnkey project of 100 with cost share 0.7 leaves
  // 10 + 50 - 70 < 0 in its month; its revenue counts, nothing after.
  std::string world = calm_world();
  world = replace(world, "cash: 1000000", "cash: 10");
  const auto out = simulate_trials(
      scenario(government(", projects_per_year: 1, turnkey_cost_share: 0.7", world)), 1, 0, 200);
  int failed = 0;
  int single = 0;
  for (const auto& o : out) {
    double before = 0;
    for (int y = 0; y < 5; ++y) before += o.year_total(y);
    if (o.fail_month < 0) {
      EXPECT_EQ(before, 0.0);
      continue;
    }
    ++failed;
    // Revenue only from the projects won in the failure month (usually one), none after.
    EXPECT_GT(before, 0.0);
    EXPECT_EQ(std::fmod(before, 100.0), 0.0);
    single += before == 100.0 ? 1 : 0;
    for (int y = o.fail_month / 12 + 1; y < 5; ++y) EXPECT_EQ(o.year_total(y), 0.0);
  }
  EXPECT_GT(single, failed * 8 / 10);
  EXPECT_GT(failed, 150);  // P(a project within 5 years) = 1 - e^-5
}

std::string isv(const std::string& keys, const std::string& migration_months = "3") {
  return calm_world() + "channels:\n  isv:\n    price_factor: 1\n    first_month: 0\n    migration_months: " +
         migration_months + "\n    p_migrate: 1\n    industry_p_bonus: 0\n" + keys;
}

TEST(Isv, HandComputedLargeIsvs) {
  // Two large ISVs (120 cards a year), engaged at months 0 and 1, each migrating 3 months:
  // live at 3 and 4; 2023: (9 + 8) x 10 cards x 0.05 = 8.5; later years 240 cards = 12.
  const auto out = simulate_trials(
      scenario(isv("    engagements_per_year: 12\n    p_large: 1\n    large_cards_per_year: 120\n"
                   "    industries: [{name: finance, isvs: 2}]\n")),
      1, 0, 5);
  for (const auto& o : out) {
    EXPECT_NEAR(o.year_total(0), 8.5, 1e-9);
    for (int y = 1; y < 5; ++y) EXPECT_NEAR(o.year_total(y), 12.0, 1e-9);
  }
}

TEST(Isv, IndustryReuseHalvesTheSecondMigration) {
  // Engaged at 0 and 6: the first succeeds in month 2, so the second (same industry, later
  // month) takes 1.5 months and goes live at 7.5. 2023: (90 + 45) cards x 0.05 = 6.75.
  const auto out = simulate_trials(
      scenario(isv("    engagements_per_year: 2\n    p_large: 1\n    large_cards_per_year: 120\n"
                   "    industries: [{name: finance, isvs: 2}]\n")),
      1, 0, 5);
  for (const auto& o : out) EXPECT_NEAR(o.year_total(0), 6.75, 1e-9);
  // In different industries there is no reuse: live at 9, 2023 = (90 + 30) x 0.05 = 6.
  const auto apart = simulate_trials(
      scenario(isv("    engagements_per_year: 2\n    p_large: 1\n    large_cards_per_year: 120\n"
                   "    industries: [{name: finance, isvs: 1}, {name: energy, isvs: 1}]\n")),
      1, 0, 5);
  for (const auto& o : apart) EXPECT_NEAR(o.year_total(0), 6.0, 1e-9);
}

TEST(Isv, AnalyticPoissonOrders) {
  // One ISV live from month 0, 12 orders a year of 5 cards at 0.05: yearly revenue 0.25 x
  // Poisson(12 (1 + g)^y). With g = 1: mean 3 in year 0, 6 in year 1.
  const int n = 40000;
  const auto out = simulate_trials(
      scenario(isv("    engagements_per_year: 1\n    p_large: 0\n    orders_per_year: 12\n"
                   "    cards_per_order: 5\n    order_growth: 1\n    industries: [{name: finance, isvs: 1}]\n",
                   "0")),
      1, 0, n);
  EXPECT_NEAR(mean_total(out, 0), 3.0, 4 * std::sqrt(0.0625 * 12 / n));
  EXPECT_NEAR(mean_total(out, 1), 6.0, 4 * std::sqrt(0.0625 * 24 / n));
  double var = 0;
  for (const auto& o : out) var += (o.year_total(0) - 3.0) * (o.year_total(0) - 3.0);
  var /= n;
  EXPECT_NEAR(var, 0.75, 4 * 0.75 * std::sqrt(2.2 / n));
}

TEST(Company, CashRunsOutAndRaisesExtendIt) {
  std::string world = calm_world();
  world = replace(world, "cash: 1000000, burn_per_month: 0", "cash: 100, burn_per_month: 10");
  const auto out = simulate_trials(scenario(world), 1, 0, 3);
  for (const auto& o : out) EXPECT_EQ(o.fail_month, 10);  // 100 - 11 x 10 < 0 in month 10
  std::string raised = world;
  raised = replace(raised, "poc_capacity", "raises: [{month: 5, amount: 50}], poc_capacity");
  for (const auto& o : simulate_trials(scenario(raised), 1, 0, 3)) EXPECT_EQ(o.fail_month, 15);
}

TEST(Company, ListingNeedsRevenueResearchShareAndValuation) {
  // Carrier award of 100000 x 1 x 0.05 x 0.8 = 4000 M every year, delivered at once.
  auto world_with = [](const std::string& company) {
    return replace(calm_world(), "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}", company) + "channels:\n  carriers:\n    operators:\n      - {name: M, eval_months: 1, p_eval: 1, p_list: 1, "
               "annual_cards: 100000, award_share: 1, p_award: 1, tco_hurdle: 0, delivery_months: 0}\n";
  };
  // R&D 100 x 0.7 x 12 = 840 >= 15 % of 4000 = 600: listed every year.
  const auto ok = simulate_trials(
      scenario(world_with("company: {cash: 100000, burn_per_month: 100, poc_capacity: 1000}")), 1, 0, 2);
  EXPECT_EQ(ok[0].listing, 0b11111U);
  // R&D 40 x 0.7 x 12 = 336 < 600: never.
  const auto low_rd = simulate_trials(
      scenario(world_with("company: {cash: 100000, burn_per_month: 40, poc_capacity: 1000}")), 1, 0, 2);
  EXPECT_EQ(low_rd[0].listing, 0U);
  // Valuation below 1500: never.
  const auto low_val = simulate_trials(
      scenario(world_with("company: {cash: 100000, burn_per_month: 100, valuation: 1000, poc_capacity: 1000}")), 1,
      0, 2);
  EXPECT_EQ(low_val[0].listing, 0U);
}

}  // namespace
}  // namespace revsim
