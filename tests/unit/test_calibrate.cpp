// `revsim calibrate` (docs/calibrate.md): the estimators against hand computations, pooling,
// the CSV reader's errors, and the written scenario loaded back by the library.
#include "revsim/calibrate.hpp"
#include "revsim/deals_csv.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <numeric>
#include <random>

namespace revsim {
namespace {

const std::string kHeader = "deal,channel,account,industry,stage,entered,left,outcome,value,cards\n";

TEST(Calibrate, DatesRoundTripAndRejectNonDays) {
  EXPECT_EQ(Date::from_ymd(1970, 1, 1).days, 0);
  EXPECT_EQ(Date::from_ymd(2024, 3, 1).days - Date::from_ymd(2024, 2, 28).days, 2);  // leap year
  EXPECT_EQ(to_string(*parse_date("2026-12-01")), "2026-12-01");
  EXPECT_FALSE(parse_date("2026-02-30"));
  EXPECT_FALSE(parse_date("2026-13-01"));
  EXPECT_FALSE(parse_date("1/2/2026"));
  EXPECT_NEAR(months_between(*parse_date("2025-01-01"), *parse_date("2026-01-01")), 12.0 * 365 / 365.25, 1e-12);
}

// Without censored values the MLE is closed-form: mean of the logs and their sd with n in the denominator.
TEST(Calibrate, LognormalWithoutCensoringIsTheClosedForm) {
  const std::vector<double> t{2, 3, 5, 8, 13};
  double m = 0, v = 0;
  for (double x : t) m += std::log(x) / 5;
  for (double x : t) v += (std::log(x) - m) * (std::log(x) - m) / 5;
  const LognormalFit f = fit_lognormal(t, {});
  EXPECT_NEAR(f.mu, m, 1e-9);
  EXPECT_NEAR(f.sigma, std::sqrt(v), 1e-9);
  // se(mu) = sigma / sqrt(n) for the normal MLE; interval mu +- t(4, 0.95) se, t = 2.131847.
  EXPECT_NEAR(std::log(f.median_hi) - f.mu, 2.1318467813 * std::sqrt(v / 5), 1e-6);
  EXPECT_NEAR(f.p5(), std::exp(m - 1.6448536269514722 * std::sqrt(v)), 1e-9);
}

// The censored fit maximises the censored likelihood: checked against a brute-force grid search.
TEST(Calibrate, CensoredLognormalMaximisesTheCensoredLikelihood) {
  const std::vector<double> obs{1.5, 2.2, 3.1, 4.0, 2.7, 1.9};
  const std::vector<double> cens{3.5, 5.0, 2.0};
  auto ll = [&](double mu, double s) {
    double l = 0;
    for (double x : obs) l += -std::log(s) - 0.5 * std::pow((std::log(x) - mu) / s, 2);
    for (double x : cens) l += std::log(0.5 * std::erfc((std::log(x) - mu) / s / std::sqrt(2.0)));
    return l;
  };
  double best = -1e300, bm = 0, bs = 0;
  for (double mu = 0.5; mu < 2.0; mu += 0.001)
    for (double s = 0.1; s < 1.5; s += 0.001)
      if (const double l = ll(mu, s); l > best) {
        best = l;
        bm = mu;
        bs = s;
      }
  const LognormalFit f = fit_lognormal(obs, cens);
  EXPECT_NEAR(f.mu, bm, 2e-3);
  EXPECT_NEAR(f.sigma, bs, 2e-3);
  EXPECT_GE(ll(f.mu, f.sigma), best - 1e-9);
  // Ignoring the censoring (elapsed times as if completed) is biased short.
  std::vector<double> all = obs;
  all.insert(all.end(), cens.begin(), cens.end());
  EXPECT_LT(fit_lognormal(all, {}).median, f.median);
}

// On 2000 draws of a known log-normal censored at a fixed date, the censored fit recovers the
// median within 4 standard errors and the naive fit misses it short by more than 10 of them.
TEST(Calibrate, CensoredFitRecoversWhereTheNaiveOneIsShort) {
  std::mt19937_64 rng(13);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u(0, 60);
  const double mu = std::log(10.0), s = 0.5;
  std::vector<double> obs, cens;
  for (int i = 0; i < 2000; ++i) {
    const double start = u(rng), d = std::exp(mu + s * z(rng));
    if (start + d > 60) cens.push_back(std::max(1e-3, 60 - start));
    else obs.push_back(d);
  }
  const LognormalFit f = fit_lognormal(obs, cens);
  const double se = s / std::sqrt(static_cast<double>(obs.size()));
  EXPECT_NEAR(f.mu, mu, 4 * se);
  std::vector<double> all = obs;
  all.insert(all.end(), cens.begin(), cens.end());
  EXPECT_LT(fit_lognormal(all, {}).mu, mu - 10 * se);
}

TEST(Calibrate, RateIsTheJeffreysGammaPosterior) {
  const RateFit r = fit_rate(17, 4.9);
  EXPECT_NEAR(r.mean, 17.5 / 4.9, 1e-12);
  // Gamma(17.5, 1) quantiles: 11.07... and 24.75... (checked against the chi-square: 2 x ~ chi2(35)).
  EXPECT_NEAR(r.lo * 4.9, 0.5 * 22.465, 0.01);
  EXPECT_NEAR(r.hi * 4.9, 0.5 * 49.802, 0.01);
}

TEST(Calibrate, JeffreysIsTheConjugateBeta) {
  const PooledFit f = pool_probabilities({{3, 10}}, Prior::jeffreys);
  EXPECT_DOUBLE_EQ(f.posteriors[0].a, 3.5);
  EXPECT_DOUBLE_EQ(f.posteriors[0].b, 7.5);
  EXPECT_NEAR(f.posteriors[0].mean, 3.5 / 11, 1e-12);
}

// A thin group (3 of 3 passed) is pulled toward the others; a thick group barely moves.
TEST(Calibrate, PoolingShrinksAThinChannelTowardTheOthers) {
  const std::vector<Counts> g{{300, 1000}, {320, 1000}, {280, 1000}, {310, 1000}, {3, 3}};
  for (Prior p : {Prior::hierarchical, Prior::empirical_bayes}) {
    const PooledFit f = pool_probabilities(g, p);
    const PooledFit alone = pool_probabilities(g, Prior::jeffreys);
    // Alone, 3 of 3 has mean 3.5 / 4 = 0.875; pooled toward ~0.3 it must fall well below 0.7.
    EXPECT_NEAR(alone.posteriors[4].mean, 0.875, 1e-12);
    EXPECT_LT(f.posteriors[4].mean, 0.6) << static_cast<int>(p);
    EXPECT_GT(f.posteriors[4].mean, 0.3) << static_cast<int>(p);
    // The thick groups move by less than 1.5 of their standard errors (0.0145 each): an eighth
    // of the thin group's move (> 0.275).
    for (int k = 0; k < 4; ++k)
      EXPECT_NEAR(f.posteriors[static_cast<std::size_t>(k)].mean, alone.posteriors[static_cast<std::size_t>(k)].mean, 0.022);
    EXPECT_NEAR(f.mu, 0.30, 0.05);
    // The interval holds the mean and is a real interval.
    for (const BetaPosterior& b : f.posteriors) {
      EXPECT_LT(b.lo, b.mean);
      EXPECT_GT(b.hi, b.mean);
    }
  }
  // Empirical Bayes plugs in one (mu, kappa): its thin-group interval is narrower than the
  // hierarchical one, which also carries the uncertainty about (mu, kappa).
  const PooledFit eb = pool_probabilities(g, Prior::empirical_bayes);
  const PooledFit hb = pool_probabilities(g, Prior::hierarchical);
  EXPECT_LT(eb.posteriors[4].hi - eb.posteriors[4].lo, hb.posteriors[4].hi - hb.posteriors[4].lo);
}

// Hierarchical intervals are exact quantiles of the mixture: with one group and lots of data the
// mixture collapses to the conjugate Beta's quantiles.
TEST(Calibrate, HierarchicalIntervalMatchesTheBetaWhenDataDominate) {
  const PooledFit f = pool_probabilities({{600, 1000}}, Prior::hierarchical);
  const BetaPosterior& p = f.posteriors[0];
  const double sd = std::sqrt(0.6 * 0.4 / 1000);
  EXPECT_NEAR(p.mean, 0.6, 0.002);
  EXPECT_NEAR(p.lo, 0.6 - 1.6449 * sd, 0.002);
  EXPECT_NEAR(p.hi, 0.6 + 1.6449 * sd, 0.002);
}

// ---- the reader: every bad-file case, with file:line:column: column name -----------------------

void expect_error(const std::string& csv, const std::string& where_and_what) {
  try {
    parse_deals(csv, "deals.csv");
    ADD_FAILURE() << "accepted:\n" << csv;
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find(where_and_what), std::string::npos) << e.what();
  }
}

TEST(Calibrate, UnknownChannel) {
  expect_error(kHeader + "D1,cloud,A,,evaluation,2025-01-01,,open,,\n",
               "deals.csv:2:4: channel: 'cloud' is not a channel (expected internet, carriers, government or isv)");
}

TEST(Calibrate, UnknownStage) {
  expect_error(kHeader + "D1,carriers,A,,npi,2025-01-01,,open,,\n",
               "deals.csv:2:16: stage: 'npi' is not a carriers stage (expected evaluation, listing, award)");
}

TEST(Calibrate, DateThatDoesNotParse) {
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-02-30,,open,,\n",
               "deals.csv:2:27: entered: '2025-02-30' is not a date (expected YYYY-MM-DD)");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-02-01,01/03/2025,failed,,\n",
               "deals.csv:2:38: left: '01/03/2025' is not a date");
}

TEST(Calibrate, LeftBeforeEntered) {
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-02-01,2025-01-15,failed,,\n",
               "deals.csv:2:38: left: 2025-01-15 is before 'entered' (2025-02-01)");
}

TEST(Calibrate, PassedStageWithNoNextStageAndNoReason) {
  const std::string rows = "D1,internet,A,,evaluation,2025-01-01,2025-03-01,passed,,\n";
  expect_error(kHeader + rows,
               "deals.csv:2:49: outcome: 'passed' but deal 'D1' has no 'npi' row from 2025-03-01 on (expected the next "
               "stage, or a 'reason' column saying why not)");
  // With a reason it is accepted; and with the next stage.
  const std::string with_reason = "deal,channel,account,industry,stage,entered,left,outcome,value,cards,reason\n"
                                  "D1,internet,A,,evaluation,2025-01-01,2025-03-01,passed,,,NPI not yet logged\n";
  EXPECT_EQ(parse_deals(with_reason, "d.csv").rows.size(), 1U);
  EXPECT_EQ(parse_deals(kHeader + rows + "D1,internet,A,,npi,2025-03-01,,open,,\n", "d.csv").rows.size(), 2U);
}

TEST(Calibrate, OtherBadFiles) {
  expect_error("deal,channel,account\nD1,isv,A\n", "deals.csv:1:1: industry: missing from the header");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-01-01,,done,,\n", "deals.csv:2:39: outcome: 'done' is not an outcome");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-01-01,,open,,\n" + "D1,isv,A,x,migration,2025-01-01,,open,,\n",
               "deals.csv:3:4: channel: deal 'D1' is isv here but internet on line 2");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-01-01,,failed,,\n", "deals.csv:2:38: left: empty but the outcome is 'failed'");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-01-01,,open,,many\n", "deals.csv:2:45: cards: 'many' is not a number");
  expect_error(kHeader + "D1,internet,A,,evaluation,2025-01-01,,open,,\"1\n", "deals.csv:2:45: a quoted field is never closed");
  expect_error(kHeader + "D1,internet,A\n", "deals.csv:2:13: 3 fields (expected 10, as in the header)");
  expect_error(kHeader, "deals.csv: no deals");
  try {
    parse_deals(kHeader + "D1,internet,A,,evaluation,2025-01-01,,open,,\n", "deals.csv", parse_date("2024-12-31"));
    ADD_FAILURE();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("deals.csv:2:27: entered: 2025-01-01 is after --as-of 2024-12-31"), std::string::npos)
        << e.what();
  }
}

TEST(Calibrate, QuotedFieldsAndCrlf) {
  const DealTable t = parse_deals(kHeader + "D1,internet,\"Big, \"\"Cloud\"\"\",,evaluation,2025-01-01,,open,,\r\n", "d.csv");
  ASSERT_EQ(t.rows.size(), 1U);
  EXPECT_EQ(t.rows[0].account, "Big, \"Cloud\"");
}

// ---- the written scenario ------------------------------------------------------------------------

const std::string kSmall = kHeader +
                           "I1,internet,Cloud A,,evaluation,2025-01-01,2025-04-01,passed,,\n"
                           "I1,internet,Cloud A,,npi,2025-04-01,,open,,\n"
                           "I2,internet,Search B,,evaluation,2025-02-01,2025-05-01,failed,,\n"
                           "I3,internet,Video C,,evaluation,2026-06-01,,open,,\n"
                           "I4,internet,Shop D,,evaluation,2025-01-01,2025-03-15,passed,,\n"
                           "C1,carriers,Operator M,,evaluation,2025-01-01,2025-06-01,passed,,\n"
                           "C1,carriers,Operator M,,listing,2025-06-01,2025-06-01,passed,,\n"
                           "C1,carriers,Operator M,,award,2025-07-01,2025-07-01,failed,,\n"
                           "C2,carriers,Operator T,,evaluation,2025-03-01,2025-07-01,passed,,\n"
                           "C2,carriers,Operator T,,listing,2025-07-01,,open,,\n"
                           "G1,government,Grid,,opportunity,2025-01-01,2025-10-01,passed,300,\n"
                           "G1,government,Grid,,decision,2025-10-01,2025-10-01,slipped,,\n"
                           "G2,government,Rail,,opportunity,2025-02-01,2025-09-01,passed,150,\n"
                           "G2,government,Rail,,decision,2025-09-01,2025-09-01,failed,,\n"
                           "G3,government,Port,,opportunity,2026-03-01,,open,500,\n"
                           "V1,isv,ISV 1,finance,migration,2025-01-01,2025-04-01,passed,,\n"
                           "V1,isv,ISV 1,finance,production,2025-05-01,2025-05-01,passed,0.2,4\n"
                           "V1,isv,ISV 1,finance,production,2026-02-01,2026-02-01,passed,0.2,4\n"
                           "V2,isv,ISV 2,finance,migration,2026-05-01,,open,,\n"
                           "V3,isv,ISV 3,energy,migration,2025-01-01,2025-06-01,failed,,\n";

TEST(Calibrate, OpenDealsBecomeEntitiesAtTheirStageAndTheScenarioLoads) {
  // I4 passed evaluation with no NPI row: needs a reason column.
  std::string csv = kSmall;
  csv.replace(0, kHeader.size(), "deal,channel,account,industry,stage,entered,left,outcome,value,cards,reason\n");
  std::string fixed;
  std::size_t from = 0;
  for (bool first = true; from < csv.size(); first = false) {
    const std::size_t nl = csv.find('\n', from);
    std::string line = csv.substr(from, nl - from);
    if (!first) line += line.rfind("I4,", 0) == 0 ? ",exported before NPI" : ",";
    fixed += line + "\n";
    from = nl + 1;
  }
  const DealTable t = parse_deals(fixed, "small.csv");
  CalibrateOptions o;
  o.as_of = parse_date("2026-07-01");
  const Calibration c = calibrate(t, o);
  const Scenario s = parse_scenario(c.yaml, "calibrated.yaml");
  EXPECT_EQ(s.start_year, 2026);
  EXPECT_EQ(s.start_month_in_year, 7);
  // Internet: Cloud A in NPI for 15 months (2025-04-01 .. 2026-07-01 = 456 days), Video C in
  // evaluation for 1 month (30 days), Shop D passed evaluation (reason given): in NPI since 2025-03-15.
  const auto& acc = s.channels.internet.accounts;
  ASSERT_EQ(acc.size(), 3U);
  EXPECT_EQ(acc[0].name, "Cloud A");
  EXPECT_EQ(acc[0].stage.phase, StagePhase::npi);
  EXPECT_NEAR(acc[0].stage.elapsed.value(), 456 / (365.25 / 12), 0.01);
  EXPECT_EQ(acc[1].name, "Video C");
  EXPECT_EQ(acc[1].stage.phase, StagePhase::evaluation);
  EXPECT_NEAR(acc[1].stage.elapsed.value(), 30 / (365.25 / 12), 0.01);
  EXPECT_EQ(acc[2].name, "Shop D");
  EXPECT_EQ(acc[2].stage.phase, StagePhase::npi);
  EXPECT_NEAR(acc[2].stage.elapsed.value(), 473 / (365.25 / 12), 0.01);
  // Carriers: M listed; T passed evaluation, listing pending (p_eval 1, no work left).
  const auto& ops = s.channels.carriers.operators;
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].stage.phase, StagePhase::listed);
  EXPECT_EQ(ops[1].stage.phase, StagePhase::evaluation);
  EXPECT_EQ(ops[1].p_eval.value(), 1.0);
  // Government: Grid slipped on 2025-10-01, decided again 12 months later: due 3 months after
  // 2026-07-01 (12 - 9.0 months), one slip left; Port open for 4 months (122 days).
  const auto& pr = s.channels.government.projects;
  ASSERT_EQ(pr.size(), 2U);
  EXPECT_EQ(pr[0].name, "Grid");
  EXPECT_NEAR(pr[0].due_month.value(), 12 - 273 / (365.25 / 12), 0.01);
  EXPECT_EQ(pr[0].params.max_slips.value(), 1.0);
  EXPECT_EQ(pr[0].params.value.value(), 300.0);
  EXPECT_EQ(pr[1].name, "Port");
  // ISVs: finance has ISV 1 live since 2025-04-01 (-15 months) and ISV 2 migrating 2 months; energy one failed.
  const auto& ind = s.channels.isv.industries;
  ASSERT_EQ(ind.size(), 2U);
  EXPECT_EQ(ind[1].name, "finance");
  EXPECT_EQ(ind[1].live, 1);
  EXPECT_EQ(ind[1].migrating, 1);
  EXPECT_NEAR(ind[1].live_since, -456 / (365.25 / 12), 0.01);
  EXPECT_NEAR(ind[1].migration_elapsed, 61 / (365.25 / 12), 0.01);
  // Booked in 2026 before July: the ISV order of 2026-02-01 (0.2 M RMB).
  EXPECT_NEAR(s.booked[static_cast<int>(Channel::isv)], 0.2, 1e-12);
  // Thin fits are flagged; probabilities are written as Betas.
  bool warned = false;
  for (const Fitted& f : c.fits) {
    if (f.key == "channels.internet.defaults.p_eval") {
      EXPECT_EQ(f.n, 3);  // two passed, one failed; Video C is still open
      EXPECT_EQ(f.basis, "2 passed of 3");
      EXPECT_TRUE(f.thin());
      EXPECT_EQ(f.written.rfind("{beta: [", 0), 0U);
      warned = true;
    }
  }
  EXPECT_TRUE(warned);
  // The report names the warning and the default beside the fit.
  std::ostringstream table;
  write_table(table, c);
  EXPECT_NE(table.str().find("warning: channels.internet.defaults.p_eval rests on 3 observations (fewer than 10)"),
            std::string::npos);
  EXPECT_EQ(to_json(c)["fits"][0]["default"], "0.6");
  // Its columns line up: each fit's written value starts where the header's "written" does,
  // however long a basis is (orders_per_year's ran past a fixed 34 characters).
  {
    std::istringstream lines(table.str());
    std::string line;
    std::size_t header_at = std::string::npos, rows = 0;
    while (std::getline(lines, line)) {
      if (line.rfind("key ", 0) == 0) header_at = line.find("written");
      for (const Fitted& f : c.fits)
        if (header_at != std::string::npos && line.rfind(f.key + " ", 0) == 0 && line.find(f.written) != std::string::npos) {
          EXPECT_EQ(line.find(f.written, header_at > 2 ? header_at - 2 : 0), header_at) << line;
          ++rows;
        }
    }
    ASSERT_NE(header_at, std::string::npos);
    EXPECT_EQ(rows, c.fits.size());
  }
  // A fragment loads too (channels only).
  o.fragment = true;
  const Scenario frag = parse_scenario(calibrate(t, o).yaml, "fragment.yaml");
  EXPECT_EQ(frag.channels.internet.accounts.size(), 3U);
}

TEST(Calibrate, TheShippedExampleLoadsAndRecoversItsRates) {
  const DealTable t = read_deals(std::string(REVSIM_SOURCE_DIR) + "/scenarios/data/deals-example.csv");
  CalibrateOptions o;
  o.as_of = parse_date("2026-12-01");
  const Calibration c = calibrate(t, o);
  const Scenario s = parse_scenario(c.yaml, "example-fitted.yaml");
  EXPECT_EQ(s.start_month_in_year, 12);
  EXPECT_FALSE(s.channels.internet.accounts.empty());
  // The true values of scripts/make-deals sit inside the 90 % intervals for this seed.
  for (const Fitted& f : c.fits) {
    if (f.key == "channels.government.projects_per_year") {
      EXPECT_TRUE(f.lo <= 4 && 4 <= f.hi) << f.lo << " " << f.hi;
    }
    if (f.key == "channels.isv.p_migrate") {
      EXPECT_TRUE(f.lo <= 0.65 && 0.65 <= f.hi);
    }
    if (f.key == "channels.government.sales_cycle_months") {
      EXPECT_TRUE(f.lo <= 10.95 && 10.95 <= f.hi);
      EXPECT_LT(*f.naive_median, f.lo);  // ignoring the open opportunities: short, outside the interval
    }
  }
}

}  // namespace
}  // namespace revsim
