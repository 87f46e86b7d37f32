// The invariants of MODEL.md §6: thread-count independence, copula marginal invariance,
// balanced flows; common random numbers per entity; and a pinned regression output.
#include "revsim/report.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace revsim {
namespace {

using test::calm_world;
using test::scenario;

const std::string kSource = REVSIM_SOURCE_DIR;

TEST(Invariants, ByteIdenticalWhateverTheThreadCount) {
  const Scenario s = load_scenario(kSource + "/scenarios/example.yaml");
  std::string reference;
  for (int threads : {1, 2, 8}) {
    const Results r = run_simulation(s, RunOptions{3000, 11, true, threads});
    const std::string json = to_json(r, false).dump();
    if (reference.empty()) reference = json;
    EXPECT_EQ(json, reference) << threads << " threads";
  }
}

TEST(Invariants, SameSeedSameResultDifferentSeedDifferent) {
  const Scenario s = load_scenario(kSource + "/scenarios/example.yaml");
  const auto a = to_json(run_simulation(s, RunOptions{1000, 5, true, 2}), false).dump();
  const auto b = to_json(run_simulation(s, RunOptions{1000, 5, true, 2}), false).dump();
  const auto c = to_json(run_simulation(s, RunOptions{1000, 6, true, 2}), false).dump();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

std::string correlated(double rho, double cross) {
  return calm_world() + "  within_channel_correlation: " + std::to_string(rho) +
         "\n  channel_correlation: " + std::to_string(cross) + "\n";
}

TEST(Invariants, CopulaLeavesSingleEventMarginalsAlone) {
  // One success event (p_eval = 0.5, every other gate sure): P(production) = 0.5 whatever
  // rho and Sigma. 40 000 trials: SE = 0.0025, tolerance 4 SE.
  const int n = 40000;
  for (double rho : {0.0, 0.5, 0.9}) {
    for (double cross : {0.0, 0.8}) {
      const std::string yaml = correlated(rho, cross) +
                               "channels:\n  internet:\n    accounts:\n      - {name: A, p_eval: 0.5, p_npi: 1, "
                               "p_stable: 1, tco_hurdle: 0, inhouse_chip: {p: 0}, eval_months: 1, npi_months: 1, "
                               "grey_months: 1}\n";
      const Results r = run_simulation(scenario(yaml), RunOptions{n, 3, true, 2});
      EXPECT_NEAR(r.accounts[0].p_production, 0.5, 4 * std::sqrt(0.25 / n)) << "rho " << rho << " cross " << cross;
    }
  }
}

TEST(Invariants, CopulaWidensTheSpreadOfRevenue) {
  // Six projects a year each won w.p. 0.5: with rho = 0 wins are Poisson(3) (var 30 000);
  // with rho = 0.9 they move together and the variance grows, while the mean stays 300.
  const int n = 40000;
  auto run = [&](double rho) {
    const std::string yaml = correlated(rho, 0.0) +
                             "channels:\n  government: {sales_cycle_months: 0, p_slip: 0, p_win: 0.5, turnkey_p: 1, "
                             "delivery_months: 0, sales_patience_months: 1000000, value: 100, projects_per_year: 6}\n";
    return run_simulation(scenario(yaml), RunOptions{n, 3, true, 2});
  };
  const Results lo = run(0.0);
  const Results hi = run(0.9);
  for (int y = 0; y < 5; ++y) {
    const auto yi = static_cast<std::size_t>(y);
    EXPECT_NEAR(lo.years[yi].mean, 300.0, 4 * std::sqrt(30000.0 / n));
    EXPECT_NEAR(hi.years[yi].mean, 300.0, 4 * hi.years[yi].sd / std::sqrt(n));
    EXPECT_NEAR(lo.years[yi].sd * lo.years[yi].sd, 30000.0, 4 * 30000.0 * std::sqrt(2.4 / n));
    EXPECT_GT(hi.years[yi].sd, 1.5 * lo.years[yi].sd) << y;
  }
}

TEST(Invariants, FlowsBalanceInEveryTrial) {
  // Named accounts' revenue adds up to the internet and carrier channels' revenue, and every
  // channel's yearly revenue is finite and non-negative.
  const Scenario s = load_scenario(kSource + "/scenarios/example.yaml");
  const auto out = simulate_trials(s, 9, 0, 2000);
  const std::size_t ni = s.channels.internet.accounts.size();
  for (const auto& o : out) {
    double internet = 0, carriers = 0, named_i = 0, named_c = 0;
    for (int y = 0; y < s.years; ++y) {
      internet += o.revenue[static_cast<std::size_t>(y * kChannels + 0)];
      carriers += o.revenue[static_cast<std::size_t>(y * kChannels + 1)];
      for (int c = 0; c < kChannels; ++c) {
        const double v = o.revenue[static_cast<std::size_t>(y * kChannels + c)];
        EXPECT_TRUE(std::isfinite(v) && v >= 0);
      }
    }
    for (std::size_t a = 0; a < o.account_revenue.size(); ++a) (a < ni ? named_i : named_c) += o.account_revenue[a];
    EXPECT_NEAR(named_i, internet, 1e-9 * (1 + internet));
    EXPECT_NEAR(named_c, carriers, 1e-9 * (1 + carriers));
    if (o.fail_month >= 0) {  // nothing after failure
      for (int y = o.fail_month / 12 + 1; y < s.years; ++y) EXPECT_EQ(o.year_total(y), 0.0);
    }
  }
}

TEST(Invariants, EditingOneAccountLeavesTheOthersLuckAlone) {
  // Common random numbers: each account draws from its own stream keyed by its name. In a
  // calm world (no capacity limit, no failure, M = 1) adding an account or changing another
  // leaves account A's revenue identical in every trial.
  const std::string base = calm_world() +
                           "channels:\n  internet:\n    defaults: {tco_hurdle: 0}\n    accounts:\n"
                           "      - {name: A, p_eval: 0.9, p_npi: 0.9}\n";
  const std::string edited = base + "      - {name: B, annual_cards: 50000}\n";
  const auto a = simulate_trials(scenario(base), 4, 0, 3000);
  const auto b = simulate_trials(scenario(edited), 4, 0, 3000);
  int produced = 0;
  for (std::size_t t = 0; t < a.size(); ++t) {
    EXPECT_EQ(a[t].account_revenue[0], b[t].account_revenue[0]) << "trial " << t;
    produced += a[t].account_first[0] >= 0 ? 1 : 0;
  }
  EXPECT_GT(produced, 100);  // the comparison covers trials with real volume
}

// Pinned regression output (OpenMC's results_true.dat): example.yaml, 4000 trials, seed 7.
// Regenerate on purpose only: REVSIM_UPDATE_REGRESSION=1 build/tests/revsim_tests
//   --gtest_filter='Regression.*'
TEST(Invariants, ListingNeedsTheCompanyAliveInEveryShippedScenario) {
  // MODEL.md §5, §8 (v2): P(listing) <= P(alive) every year, and trial by trial a listing year
  // is one the company survives.
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/scenarios")) {
    if (entry.path().extension() != ".yaml") continue;
    const Scenario s = load_scenario(entry.path().string());
    const Results r = run_simulation(s, RunOptions{4000, 3, true, 2});
    for (const YearStats& y : r.years) EXPECT_LE(y.p_listing, y.p_alive) << entry.path() << " " << y.year;
    for (const TrialOutcome& o : simulate_trials(s, 3, 0, 500))
      for (int y = 0; y < s.years; ++y) {
        if ((o.listing >> static_cast<unsigned>(y)) & 1U) {
          EXPECT_TRUE(o.alive_through(y)) << entry.path();
        }
      }
    ++checked;
  }
  EXPECT_GE(checked, 7);
}

TEST(Regression, ExampleScenarioPinned) {
  const Scenario s = load_scenario(kSource + "/scenarios/example.yaml");
  const nlohmann::json got = to_json(run_simulation(s, RunOptions{4000, 7, true, 2}), false);
  const std::string path = kSource + "/tests/regression/example_seed7.json";
  if (std::getenv("REVSIM_UPDATE_REGRESSION") != nullptr) {
    std::ofstream(path) << got.dump(2) << '\n';
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  const nlohmann::json want = nlohmann::json::parse(in);
  // Compare every number at a relative tolerance of 1e-9, everything else exactly.
  std::function<void(const nlohmann::json&, const nlohmann::json&, const std::string&)> cmp =
      [&](const nlohmann::json& w, const nlohmann::json& g, const std::string& where) {
        if (w.is_number() && g.is_number()) {
          const double a = w.get<double>(), b = g.get<double>();
          EXPECT_NEAR(b, a, 1e-9 * std::max(1.0, std::fabs(a))) << where;
        } else if (w.is_object() && g.is_object()) {
          EXPECT_EQ(w.size(), g.size()) << where;
          for (auto it = w.begin(); it != w.end(); ++it) {
            ASSERT_TRUE(g.contains(it.key())) << where << "." << it.key();
            cmp(it.value(), g.at(it.key()), where + "." + it.key());
          }
        } else if (w.is_array() && g.is_array()) {
          ASSERT_EQ(w.size(), g.size()) << where;
          for (std::size_t i = 0; i < w.size(); ++i) cmp(w[i], g[i], where + "[" + std::to_string(i) + "]");
        } else {
          EXPECT_EQ(w, g) << where;
        }
      };
  cmp(want, got, "");
}

}  // namespace
}  // namespace revsim
