// Version 2 of the model (docs/model.md §3, §4.0, §4.3, §5, §8): the pipeline as it stands,
// values that mean today, customer advances, traction raises, export controls, runway,
// concentration and the listing test's going concern. Hand-computed cases are exact (1e-9);
// statistical ones state their tolerance in standard errors.
#include "revsim/report.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <string>

namespace revsim {
namespace {

using test::calm_world;
using test::replace;
using test::scenario;

// ---- Internet accounts at their stage ---------------------------------------------------

/// The hand-computed account (test_support.hpp) at a stage.
std::string staged_account(const std::string& stage) {
  return calm_world() + test::kInternetAccount + "        inhouse_chip: {p: 0}\n        stage: " + stage + "\n";
}

TEST(Pipeline, InternetInProductionBooksItsRamp) {
  // Production began at t_p = -6: production year 0 is [-6, 6) at 250 cards a year, year 1
  // [6, 18) at 500. 2023: 6 x 250/12 + 6 x 500/12 = 375 cards x 0.05 = 18.75; 2024: 25.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: production, elapsed: 6}")), 1, 0, 20)) {
    EXPECT_NEAR(o.year_total(0), 18.75, 1e-9);
    EXPECT_NEAR(o.year_total(1), 25.0, 1e-9);
    EXPECT_EQ(o.account_first[0], 0);
  }
  // elapsed 30: production year 2 (ramp 1.0) from month 0; no re-check of past anniversaries.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: production, elapsed: 30}")), 1, 0, 5))
    EXPECT_NEAR(o.year_total(0), 25.0, 1e-9);
}

TEST(Pipeline, InternetInEvaluationNpiAndGrey) {
  // Evaluation with 1 of 2 months done: ends at 1; NPI to 11 (grey paid then: 5 M); grey to 14;
  // production year 0 from 14 at 250 cards a year.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: evaluation, elapsed: 1}")), 1, 0, 5)) {
    EXPECT_NEAR(o.year_total(0), 5.0, 1e-9);
    EXPECT_NEAR(o.year_total(1), 10 * 250.0 / 12 * 0.05, 1e-9);
    EXPECT_EQ(o.account_first[0], 14);
  }
  // NPI with 4 of 10 months done: ends at 6, grey paid (5 M) to 9, production from 9.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: npi, elapsed: 4}")), 1, 0, 5)) {
    EXPECT_NEAR(o.year_total(0), 5.0 + 3 * 250.0 / 12 * 0.05, 1e-9);
    EXPECT_EQ(o.account_first[0], 9);
  }
  // Grey with 1 of 3 months done: the decision at month 2, the grey cards not booked again.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: grey, elapsed: 1}")), 1, 0, 5)) {
    EXPECT_NEAR(o.year_total(0), 10 * 250.0 / 12 * 0.05, 1e-9);
    EXPECT_EQ(o.account_first[0], 2);
  }
  // More elapsed than the phase lasts: the decision falls in month 0.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: grey, elapsed: 5}")), 1, 0, 5))
    EXPECT_NEAR(o.year_total(0), 12.5, 1e-9);
  // "stage: npi" alone: elapsed 0, the whole NPI ahead (to 10), grey to 13.
  for (const auto& o : simulate_trials(scenario(staged_account("npi")), 1, 0, 5)) EXPECT_EQ(o.account_first[0], 13);
}

// ---- Carriers at their stage; a calendar start inside the year ---------------------------

std::string operator_at(const std::string& stage, const std::string& top = "") {
  return calm_world() + top + R"(
channels:
  carriers:
    operators:
      - {name: M, eval_months: 5, p_eval: 1, p_list: 1, annual_cards: 5000, award_share: 0.2, p_award: 1,
         procurement_month: 6, delivery_months: 0, tco_hurdle: 0, stage: )" + stage + "}\n";
}

TEST(Pipeline, ListedOperatorWinsTheFirstProcurement) {
  // 5000 x 0.2 = 1000 cards at 0.05 x 0.8 (the carriers' price factor) = 40 M every July.
  for (const auto& o : simulate_trials(scenario(operator_at("listed")), 1, 0, 5)) {
    for (int y = 0; y < 5; ++y) EXPECT_NEAR(o.year_total(y), 40.0, 1e-9) << y;
    EXPECT_EQ(o.account_first[0], 6);
  }
  // Month 0 is April (start_month_in_year 4): procurement_month 6 is July, month 3; the horizon
  // is 5 x 12 - 3 = 57 months, and the first fiscal year (April-December) still holds July.
  const Scenario s = scenario(operator_at("listed", "start_month_in_year: 4\n"));
  EXPECT_EQ(s.horizon_months(), 57);
  for (const auto& o : simulate_trials(s, 1, 0, 5)) {
    EXPECT_EQ(o.account_first[0], 3);
    for (int y = 0; y < 5; ++y) EXPECT_NEAR(o.year_total(y), 40.0, 1e-9) << y;
  }
  // Month 0 is September: July of the first fiscal year is before month 0 and is skipped.
  for (const auto& o : simulate_trials(scenario(operator_at("listed", "start_month_in_year: 9\n")), 1, 0, 5)) {
    EXPECT_EQ(o.year_total(0), 0.0);
    EXPECT_NEAR(o.year_total(1), 40.0, 1e-9);
    EXPECT_EQ(o.account_first[0], 10);  // July of the next year: 12 + 6 - 8
  }
}

TEST(Pipeline, OperatorInEvaluation) {
  // 2 of 5 months done: listed at month 3, in time for July (month 6).
  for (const auto& o : simulate_trials(scenario(operator_at("{phase: evaluation, elapsed: 2}")), 1, 0, 5))
    EXPECT_EQ(o.account_first[0], 6);
  // Listed only at month 7 (no elapsed is given, and start_month is ignored): July waits a year.
  for (const auto& o : simulate_trials(
           scenario(replace(operator_at("{phase: evaluation}"), "eval_months: 5", "eval_months: 7")), 1, 0, 5))
    EXPECT_EQ(o.account_first[0], 18);
}

// ---- Government: named projects, backlog, advances ---------------------------------------

std::string government(const std::string& extra, const std::string& company = "") {
  std::string world = calm_world();
  if (!company.empty()) world = replace(world, "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}", company);
  return world + R"(
channels:
  government:
    projects_per_year: 0
    p_slip: 0
    p_win: 1
    turnkey_p: 1
    turnkey_cost_share: 0
    delivery_months: 0
)" + extra;
}

TEST(Pipeline, NamedProjectDueInMonthTwoBooksItsValue) {
  const Scenario s = scenario(government("    projects:\n      - {name: Nanjing 2, due_month: 2, value: 300}\n"));
  for (const auto& o : simulate_trials(s, 1, 0, 10)) {
    EXPECT_NEAR(o.year_total(0), 300.0, 1e-9);
    EXPECT_EQ(o.year_total(1), 0.0);
  }
  // Per-project overrides: subcontracted (30 % of 300) and delivered over 14 months: 2024.
  const Scenario sub = scenario(government(
      "    projects:\n      - {name: N, due_month: 2, value: 300, turnkey_p: 0, subcontract_share: 0.3, "
      "delivery_months: 14}\n"));
  for (const auto& o : simulate_trials(sub, 1, 0, 10)) {
    EXPECT_EQ(o.year_total(0), 0.0);
    EXPECT_NEAR(o.year_total(1), 90.0, 1e-9);
  }
}

TEST(Pipeline, CustomerAdvanceCarriesTheCash) {
  // Cash 10, burn 5 a month: without income the cash runs out in month 2. The project won at
  // month 2 (delivery 10 months) pays 0.3 x 100 = 30 at the win: cash 0 + 30 - 5 = 25 after
  // month 2, 0 after month 7, failure in month 8 (revenue at month 12 comes too late).
  const std::string company = "company: {cash: 10, burn_per_month: 5, gross_margin: 0.5, poc_capacity: 1000}";
  const std::string project = "    projects:\n      - {name: P, due_month: 2, value: 100, delivery_months: 10}\n";
  for (const auto& o : simulate_trials(scenario(government(project, company)), 1, 0, 5)) EXPECT_EQ(o.fail_month, 8);
  const std::string no_advance =
      "    projects:\n      - {name: P, due_month: 2, value: 100, delivery_months: 10, advance_share: 0}\n";
  for (const auto& o : simulate_trials(scenario(government(no_advance, company)), 1, 0, 5)) EXPECT_EQ(o.fail_month, 2);
}

TEST(Pipeline, BacklogBooksAtDeliveryEndNetOfTheAdvance) {
  // Turnkey 200 delivered by month 5.5: revenue 200 in month 5. Cash 100, no burn, margin 0.5;
  // remaining integration cost 0.2 x 200 = 40 over [0, 5.5). At month 5: 100 - 40 + 100 - 170
  // = -10 with 170 already received: failure in month 5; with 150 received, +10: no failure.
  const std::string company = "company: {cash: 100, burn_per_month: 0, gross_margin: 0.5, poc_capacity: 1000}";
  auto contract = [](int advance) {
    return "    backlog:\n      - {name: B, value: 200, delivery_end_month: 5.5, turnkey: true, turnkey_cost_share: 0.2, "
           "advance_received: " + std::to_string(advance) + "}\n";
  };
  for (const auto& o : simulate_trials(scenario(government(contract(170), company)), 1, 0, 5)) {
    EXPECT_EQ(o.fail_month, 5);
    EXPECT_NEAR(o.year_total(0), 200.0, 1e-9);  // its revenue counts in the month it fails
  }
  for (const auto& o : simulate_trials(scenario(government(contract(150), company)), 1, 0, 5)) {
    EXPECT_EQ(o.fail_month, -1);
    EXPECT_NEAR(o.year_total(0), 200.0, 1e-9);
  }
  // Subcontracted: value x subcontract_share.
  const Scenario sub = scenario(government(
      "    backlog:\n      - {name: B, value: 200, delivery_end_month: 14, turnkey: false, subcontract_share: 0.3}\n"));
  for (const auto& o : simulate_trials(sub, 1, 0, 5)) EXPECT_NEAR(o.year_total(1), 60.0, 1e-9);
}

TEST(Pipeline, NamedProjectBesidePoissonArrivals) {
  // A certain named project (300 in 2023) beside Poisson arrivals at 1.5 a year of 100 each, won
  // at once: E[2023] = 300 + 150, E[2024] = 150; SE = 100 sqrt(1.5 / n). Tolerance 4 SE.
  const Scenario s = scenario(replace(
      government("    sales_cycle_months: 0\n    projects:\n      - {name: N, due_month: 2, value: 300}\n"),
      "projects_per_year: 0\n", "projects_per_year: 1.5\n    value: 100\n"));
  const int n = 40000;
  const Results r = run_simulation(s, RunOptions{n, 0, false, 2});
  const double se = 100 * std::sqrt(1.5 / n);
  EXPECT_NEAR(r.years[0].mean, 450.0, 4 * se);
  EXPECT_NEAR(r.years[1].mean, 150.0, 4 * se);
  EXPECT_EQ(r.years[0].p5, 300.0);  // the named project is there in every trial
}

// ---- ISVs live and migrating ----------------------------------------------------------------

std::string isvs(const std::string& industry) {
  return calm_world() + R"(
channels:
  isv:
    engagements_per_year: 0
    p_migrate: 1
    order_growth: 0
    industries:
      - )" + industry + "\n";
}

TEST(Pipeline, LiveAndMigratingIsvsHandComputed) {
  // Large ISVs of 120 cards a year: 10 cards a month at 0.05 x 1.1. One live from month 0
  // (12 months), one migrating with 1 month of work done on 4 x 0.5 (reuse: the industry has a
  // live ISV), live from month 1 (11 months): 23 x 10 x 0.055 = 12.65 in 2023.
  const Scenario s = scenario(isvs(
      "{name: banks, isvs: 5, live: 1, migrating: 1, migration_elapsed: 1, migration_months: 4, "
      "industry_reuse: 0.5, p_large: 1, large_cards_per_year: 120}"));
  for (const auto& o : simulate_trials(s, 1, 0, 5)) {
    EXPECT_NEAR(o.year_total(0), 23 * 10 * 0.055, 1e-9);
    EXPECT_NEAR(o.year_total(1), 24 * 10 * 0.055, 1e-9);
  }
  // Without a live ISV there is no reuse: the migration has 3 months left.
  const Scenario no_reuse = scenario(isvs(
      "{name: banks, isvs: 5, migrating: 1, migration_elapsed: 1, migration_months: 4, industry_reuse: 0.5, "
      "p_large: 1, large_cards_per_year: 120}"));
  for (const auto& o : simulate_trials(no_reuse, 1, 0, 5)) EXPECT_NEAR(o.year_total(0), 9 * 10 * 0.055, 1e-9);
}

TEST(Pipeline, LiveIsvsOrderFromMonthZeroAtTheirYearsRate) {
  // Three ISVs live since month -24: rate 12 x 1.5^2 = 27 orders a year until month 12, then
  // 40.5; 5 cards an order at 0.055: E[2023] = 3 x 27 x 0.275, E[2024] = 3 x 40.5 x 0.275.
  // Poisson counts: SE = 0.275 sqrt(3 x rate / n). Tolerance 4 SE.
  const Scenario s = scenario(replace(
      isvs("{name: banks, isvs: 3, live: 3, live_since: -24, orders_per_year: 12, cards_per_order: 5, p_large: 0}"),
      "order_growth: 0", "order_growth: 0.5"));
  const int n = 20000;
  const Results r = run_simulation(s, RunOptions{n, 0, false, 2});
  EXPECT_NEAR(r.years[0].mean, 3 * 27 * 0.275, 4 * 0.275 * std::sqrt(3 * 27.0 / n));
  EXPECT_NEAR(r.years[1].mean, 3 * 40.5 * 0.275, 4 * 0.275 * std::sqrt(3 * 40.5 / n));
}

// ---- Booked revenue and a start inside the year ------------------------------------------

TEST(Pipeline, BookedRevenueWithMidYearStart) {
  // Month 0 is July 2023: fiscal 2023 is months 0-5, 2024 months 6-17 (H = 18). Booked 50 of
  // ISV revenue lands in 2023 (and in its channel); a backlog contract at month 5.5 too, one at
  // month 6 in 2024.
  const Scenario s = scenario(replace(calm_world(2), "years: 2\n", "years: 2\nstart_month_in_year: 7\n") +
                              "booked: {isv: 50}\n"
                              "channels:\n  government:\n    projects_per_year: 0\n    backlog:\n"
                              "      - {name: A, value: 10, delivery_end_month: 5.5, turnkey: true}\n"
                              "      - {name: B, value: 20, delivery_end_month: 6, turnkey: true}\n");
  EXPECT_EQ(s.horizon_months(), 18);
  for (const auto& o : simulate_trials(s, 1, 0, 3)) {
    EXPECT_NEAR(o.year_total(0), 60.0, 1e-9);
    EXPECT_NEAR(o.revenue[3], 50.0, 1e-9);  // year 0, channel isv
    EXPECT_NEAR(o.year_total(1), 20.0, 1e-9);
  }
  const Results r = run_simulation(s, RunOptions{100, 0, false, 1});
  EXPECT_EQ(r.survival.size(), 18U);
  EXPECT_NEAR(r.years[0].channels[3].share, 50.0 / 60.0, 1e-12);
}

// ---- Cash: traction raises ----------------------------------------------------------------

TEST(Pipeline, TractionRaiseProbability) {
  // Cash 130, burn 10, margin 0: without the raise the cash runs out in month 13; a raise of 100
  // at month 12 carries it to month 23. Revenue over months 0-11 is the backlog's 60 >= 50, so
  // the raise succeeds with traction.p = 0.9, not p = 0.2. Tolerance 4 SE.
  auto yaml = [](double threshold, const std::string& top) {
    return replace(calm_world(3), "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}",
                   "company:\n  cash: 130\n  burn_per_month: 10\n  gross_margin: 0\n  raises:\n"
                   "    - {month: 12, amount: 100, p: 0.2, traction: {revenue_12m: " +
                       std::to_string(threshold) + ", p: 0.9}}\n") +
           top;
  };
  const std::string backlog = "channels:\n  government:\n    projects_per_year: 0\n    backlog:\n"
                              "      - {name: B, value: 60, delivery_end_month: 3, turnkey: true, turnkey_cost_share: 0}\n";
  const int n = 20000;
  auto p_raised = [&](const Scenario& s) {
    int raised = 0;
    for (const auto& o : simulate_trials(s, 1, 0, n)) {
      EXPECT_TRUE(o.fail_month == 13 || o.fail_month == 23) << o.fail_month;
      raised += o.fail_month == 23 ? 1 : 0;
    }
    return static_cast<double>(raised) / n;
  };
  EXPECT_NEAR(p_raised(scenario(yaml(50, backlog))), 0.9, 4 * std::sqrt(0.9 * 0.1 / n));
  EXPECT_NEAR(p_raised(scenario(yaml(70, backlog))), 0.2, 4 * std::sqrt(0.2 * 0.8 / n));
  // Booked revenue counts as spread over the months of start_year before month 0: starting in
  // July with 60 booked, a raise at month 6 looks back over months -6..5 and sees 60 + 60; with
  // it the cash runs out in month 23 (130 + 100 - 10 (m + 1) < 0 from m = 23), as in January.
  std::string july = replace(yaml(50, "booked: {internet: 60}\n"), "month: 12", "month: 6");
  july = replace(july, "years: 3\n", "years: 3\nstart_month_in_year: 7\n");
  int raised = 0;
  for (const auto& o : simulate_trials(scenario(july), 1, 0, n)) raised += o.fail_month == 23 ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(raised) / n, 0.9, 4 * std::sqrt(0.9 * 0.1 / n));
}

// ---- Export controls ----------------------------------------------------------------------

TEST(Pipeline, ExportControlsStepTheTcoAdvantageInClosedForm) {
  // Nvidia +20 % at months 3, 9, 15, 21 (no jitter); controls at month 10: its perf in China x 0.5
  // once, then +10 % a release. A = 1.5, 1.25 (3), 1.0417 (9), 2.0833 (10), 1.894 (15), 1.722 (21).
  std::string world = replace(calm_world(), "nvidia: {gain_per_release: 1}",
                              "nvidia: {gain_per_release: 1.2, jitter_months: 0}\n"
                              "  export_controls: {month: 10, p: 1, step: 0.5, gain_per_release: 1.1, "
                              "domestic_share_factor: 1}");
  const auto trace = trace_trial(scenario(world), 1, 0);
  const auto& A = trace.tco_advantage;
  EXPECT_NEAR(A[0], 1.5, 1e-12);
  EXPECT_NEAR(A[3], 1.5 / 1.2, 1e-12);
  EXPECT_NEAR(A[9], 1.5 / 1.44, 1e-12);
  EXPECT_NEAR(A[10], 1.5 / (1.44 * 0.5), 1e-12);
  EXPECT_NEAR(A[15], 1.5 / (1.44 * 0.5 * 1.1), 1e-12);
  EXPECT_NEAR(A[21], 1.5 / (1.44 * 0.5 * 1.21), 1e-12);
  // p = 0: no controls; month <= 0: in force from month 0.
  const auto none = trace_trial(scenario(replace(world, "p: 1,", "p: 0,")), 1, 0);
  EXPECT_NEAR(none.tco_advantage[10], 1.5 / 1.44, 1e-12);
  const auto early = trace_trial(scenario(replace(world, "month: 10,", "month: -3,")), 1, 0);
  EXPECT_NEAR(early.tco_advantage[0], 3.0, 1e-12);
  EXPECT_NEAR(early.tco_advantage[3], 3.0 / 1.1, 1e-12);
}

TEST(Pipeline, ExportControlsRaiseTheDomesticShare) {
  // An account in production (ramp 1.0: 500 cards a year) with domestic share 0.2 x 2 = 0.4
  // from month 10: 2023 = (10 x 500 + 2 x 1000) / 12 cards x 0.05. A factor of 10 is capped at
  // a share of 1 (x 5).
  auto yaml = [](double factor) {
    std::string s = replace(staged_account("{phase: production, elapsed: 24}"), "nvidia: {gain_per_release: 1}",
                            "nvidia: {gain_per_release: 1}\n  export_controls: {month: 10, p: 1, step: 1, "
                            "gain_per_release: 1, domestic_share_factor: " + std::to_string(factor) + "}");
    return scenario(s);
  };
  for (const auto& o : simulate_trials(yaml(2), 1, 0, 3)) EXPECT_NEAR(o.year_total(0), 7000.0 / 12 * 0.05, 1e-9);
  for (const auto& o : simulate_trials(yaml(10), 1, 0, 3)) EXPECT_NEAR(o.year_total(0), 10000.0 / 12 * 0.05, 1e-9);
}

// ---- Listing, runway, concentration -------------------------------------------------------

TEST(Pipeline, ListingNeedsAGoingConcernAndReadsHistory) {
  // 300 booked in 2023 from a backlog contract at month 2; cash 20, burn 4 (R&D all of it),
  // margin 0: the cash runs out in month 5, so 2023's revenue passes the bar but the company
  // cannot list.
  const std::string backlog = "channels:\n  government:\n    projects_per_year: 0\n    backlog:\n"
                              "      - {name: B, value: 300, delivery_end_month: 2, turnkey: true, turnkey_cost_share: 0}\n";
  auto yaml = [&](const std::string& company) {
    return scenario(replace(calm_world(), "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}", company) +
                    backlog);
  };
  const auto failed = simulate_trials(yaml("company: {cash: 20, burn_per_month: 4, rd_share: 1, gross_margin: 0}"), 1, 0, 1);
  EXPECT_EQ(failed[0].fail_month, 5);
  EXPECT_GE(failed[0].year_total(0), 200.0);
  EXPECT_EQ(failed[0].listing & 1U, 0U);
  // Alive, R&D 12 x 4 = 48 over revenue 300 (16 %): lists. With company.history the window
  // reaches back: 2022 {revenue 100, rd 10} makes it 58 / 400 = 14.5 %: no listing; with rd 20,
  // 68 / 400 = 17 %: lists.
  const std::string alive = "company: {cash: 1000, burn_per_month: 4, rd_share: 1, gross_margin: 0";
  EXPECT_EQ(simulate_trials(yaml(alive + "}"), 1, 0, 1)[0].listing & 1U, 1U);
  EXPECT_EQ(simulate_trials(yaml(alive + ", history: {2022: {revenue: 100, rd: 10}}}"), 1, 0, 1)[0].listing & 1U, 0U);
  EXPECT_EQ(simulate_trials(yaml(alive + ", history: {2022: {revenue: 100, rd: 20}}}"), 1, 0, 1)[0].listing & 1U, 1U);
}

TEST(Pipeline, RunwayQuantilesAndNullBeyondTheHorizon) {
  // Cash 100, burn 10: every trial fails in month 10 (cash 0 after month 9 is not < 0).
  const Scenario s = scenario(replace(calm_world(), "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}",
                                      "company: {cash: 100, burn_per_month: 10}"));
  const Results r = run_simulation(s, RunOptions{50, 0, false, 1});
  ASSERT_TRUE(r.runway.p10 && r.runway.p50 && r.runway.p90);
  EXPECT_EQ(*r.runway.p50, 10.0);
  EXPECT_EQ(*r.runway.alive_12, 0.0);
  EXPECT_EQ(calendar_month(2023, 1, *r.runway.p50), "2023-11");
  // A raise at month 5 with p = 0.5 splits the trials: failure at 10 or never. Type-7 quantiles
  // over n trials with survivors beyond the horizon: P10 is month 10, P90 is null.
  const Scenario half = scenario(replace(calm_world(), "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}",
                                         "company: {cash: 100, burn_per_month: 10, raises: [{month: 5, amount: 10000, p: 0.5}]}"));
  const Results h = run_simulation(half, RunOptions{2000, 0, false, 2});
  ASSERT_TRUE(h.runway.p10.has_value());
  EXPECT_EQ(*h.runway.p10, 10.0);
  EXPECT_FALSE(h.runway.p90.has_value());
  const double alive = *h.runway.alive_12;
  EXPECT_NEAR(alive, 0.5, 4 * std::sqrt(0.25 / 2000));
  EXPECT_EQ(*h.runway.alive_24, alive);  // nobody fails after month 10
  // Past the horizon: a one-year scenario has no P(alive) at 24 or 36 months.
  const Results one = run_simulation(scenario(calm_world(1)), RunOptions{10, 0, false, 1});
  EXPECT_TRUE(one.runway.alive_12.has_value());
  EXPECT_FALSE(one.runway.alive_24.has_value());
  EXPECT_FALSE(one.runway.p50.has_value());  // nobody fails: the median lies beyond the horizon
}

TEST(Pipeline, ConcentrationHandComputed) {
  // 2023: a backlog contract of 300 and two listed operators of 40 and 20: largest 300/360, top
  // five all of it. Booked revenue is in the total but is no customer: with 40 booked, 300/400.
  const std::string yaml = calm_world() +
                           "channels:\n  government:\n    projects_per_year: 0\n    backlog:\n"
                           "      - {name: B, value: 300, delivery_end_month: 2, turnkey: true}\n"
                           "  carriers:\n    operators:\n"
                           "      - {name: M, annual_cards: 5000, award_share: 0.2, p_award: 1, delivery_months: 0, "
                           "tco_hurdle: 0, stage: listed}\n"
                           "      - {name: T, annual_cards: 2500, award_share: 0.2, p_award: 1, delivery_months: 0, "
                           "tco_hurdle: 0, stage: listed}\n";
  const auto o = simulate_trials(scenario(yaml), 1, 0, 1)[0];
  EXPECT_NEAR(o.largest_share[0], 300.0 / 360.0, 1e-12);
  EXPECT_NEAR(o.top5_share[0], 1.0, 1e-12);
  EXPECT_NEAR(o.largest_share[1], 40.0 / 60.0, 1e-12);
  const Scenario booked = scenario(replace(yaml, "years: 5\n", "years: 5\nstart_month_in_year: 2\nbooked: {isv: 40}\n"));
  const auto b = simulate_trials(booked, 1, 0, 1)[0];
  EXPECT_NEAR(b.largest_share[0], 300.0 / 400.0, 1e-12);
  EXPECT_NEAR(b.top5_share[0], 360.0 / 400.0, 1e-12);
  const Results r = run_simulation(scenario(yaml), RunOptions{20, 0, false, 1});
  EXPECT_NEAR(r.concentration[0].largest_share, 300.0 / 360.0, 1e-12);
  EXPECT_EQ(r.concentration[0].p_largest_over_half, 1.0);
  EXPECT_EQ(r.concentration[1].p_largest_over_half, 1.0);  // 40 of 60
  EXPECT_EQ(r.concentration[0].trials, 20U);
}

// ---- Robustness: values the loader accepts never crash, hang or abort a run ---------------

TEST(Pipeline, MonthsFarBeyondTheHorizonAreHarmless) {
  // A backlog end or a delivery drawn up to 1e11 months: compared as doubles, never as an
  // overflowing int (version 2 crashed here). Nothing is booked beyond the horizon.
  const Scenario s = scenario(government(
      "    backlog:\n      - {name: L, value: 60, delivery_end_month: {uniform: [30, 1e11]}, turnkey: false}\n"
      "    projects:\n      - {name: N, due_month: 2, value: 100, delivery_months: {uniform: [100, 1e11]}}\n"));
  for (const auto& o : simulate_trials(s, 1, 0, 200))
    for (int y = 0; y < 5; ++y) EXPECT_EQ(o.year_total(y), 0.0);
  // Production for 1e11 months: full volume, at once.
  for (const auto& o : simulate_trials(scenario(staged_account("{phase: production, elapsed: 1e11}")), 1, 0, 3))
    EXPECT_NEAR(o.year_total(0), 25.0, 1e-9);
}

TEST(Pipeline, AnExplodingOrderRateIsABadScenarioNotAHang) {
  const Scenario s = scenario(replace(
      isvs("{name: fin, isvs: 1, live: 1, live_since: -360, orders_per_year: 12, cards_per_order: 5, p_large: 0}"),
      "order_growth: 0", "order_growth: 100"));
  try {
    simulate_trials(s, 1, 0, 1);
    FAIL() << "no error";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.path(), "channels.isv.industries[fin]");
    EXPECT_NE(std::string(e.what()).find("more than 1000000 orders"), std::string::npos) << e.what();
  }
}

TEST(Pipeline, TractionAtExactlyTheBar) {
  // 70 booked over the 11 months before a December start: the trailing revenue at month 0 is
  // exactly 70 (not 11 x 70/11 = 69.99999999999999), so the raise with traction p = 1 happens.
  const Scenario s = scenario(
      "start_month_in_year: 12\nyears: 2\nbooked: {internet: 70}\n"
      "company: {cash: 10, burn_per_month: 30, raises: [{month: 0, amount: 1000, p: 0, traction: {revenue_12m: 70, p: 1}}]}\n");
  for (const auto& o : simulate_trials(s, 1, 0, 20)) EXPECT_EQ(o.fail_month, -1);
}

// ---- Values mean today: an invariant ----------------------------------------------------

TEST(Pipeline, WithoutGrowthTheMaturityLevelDoesNotMatter) {
  // Version 2 scales by (M / M0)^e: with no growth and no ISV boosts M stays M0 and the results
  // are the same whatever M0 (version 1's results with M0 = 1).
  const std::string base = test::read_file(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml");
  auto run = [&](const std::string& maturity) {
    std::string y = replace(base, "maturity: 0.5 ", "maturity: " + maturity + " ");
    y = replace(y, "growth_per_year: 0.1 ", "growth_per_year: 0 ");
    y = replace(y, "isv_boost: 0.01 ", "isv_boost: 0 ");
    return to_json(run_simulation(parse_scenario(y, "example.yaml"), RunOptions{3000, 0, false, 2}), false).dump();
  };
  EXPECT_EQ(run("0.5"), run("1.0"));
  EXPECT_EQ(run("0.2"), run("1.0"));
}

}  // namespace
}  // namespace revsim
