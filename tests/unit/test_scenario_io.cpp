// Scenario loading: the defaults cascade, every uncertain-value form, and errors that name
// file:line:column, key path and what was expected (tests/data/bad/, one case a file).
#include "revsim/scenario_io.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace revsim {
namespace {

namespace fs = std::filesystem;

TEST(ScenarioIo, BuiltInDefaultsMatchModelSection7) {
  const Scenario s = test::scenario("channels:\n  internet:\n    accounts: [{name: A}]\n  government: {}\n");
  EXPECT_EQ(s.start_year, 2023);
  EXPECT_EQ(s.years, 5);
  EXPECT_EQ(s.threshold, 200);
  EXPECT_EQ(s.trials, 100000U);
  EXPECT_EQ(s.seed, 1U);
  EXPECT_EQ(s.company.cash.value(), 1000);
  EXPECT_EQ(s.company.poc_capacity.value(), 3);
  EXPECT_EQ(s.product.card_price.kind(), DistKind::uniform);
  EXPECT_DOUBLE_EQ(s.product.card_price.mean(), 0.055);
  EXPECT_EQ(s.market.channel_correlation(0, 1), 0.3);
  EXPECT_EQ(s.market.within_channel_correlation[2], 0.2);
  const InternetAccount& a = s.channels.internet.accounts.at(0);
  EXPECT_EQ(a.p_eval.value(), 0.6);
  EXPECT_EQ(a.annual_cards.kind(), DistKind::lognormal);  // China since 2022 (docs/model.md, Sources)
  EXPECT_NEAR(a.annual_cards.quantile(0.05), 30000, 1e-6 * 30000);
  EXPECT_NEAR(a.annual_cards.quantile(0.95), 300000, 1e-6 * 300000);
  EXPECT_DOUBLE_EQ(a.domestic_share.mean(), 0.295);  // China since 2022 (docs/backtest.md)
  EXPECT_EQ(a.ramp.size(), 3U);
  EXPECT_EQ(a.inhouse_chip.p.value(), 0.3);
  EXPECT_TRUE(s.channels.government.present);
  EXPECT_EQ(s.channels.government.common.maturity_elasticity, 0.3);
  EXPECT_EQ(s.channels.government.project.p_win.value(), 0.3);
  EXPECT_EQ(s.channels.government.projects_per_year.kind(), DistKind::uniform);  // China since 2023
  EXPECT_DOUBLE_EQ(s.channels.government.projects_per_year.support_lo(), 1.0);
  EXPECT_DOUBLE_EQ(s.channels.government.projects_per_year.support_hi(), 5.0);
  EXPECT_EQ(s.channels.government.project.value.kind(), DistKind::lognormal);
  EXPECT_NEAR(s.channels.government.project.value.quantile(0.05), 200, 1e-6 * 200);
  EXPECT_NEAR(s.channels.government.project.value.quantile(0.95), 2000, 1e-6 * 2000);
  EXPECT_FALSE(s.channels.carriers.present);
  EXPECT_FALSE(s.channels.isv.present);
  EXPECT_EQ(s.name, "test");  // the file's stem
}

TEST(ScenarioIo, CascadeBuiltInThenDefaultsThenEntity) {
  const Scenario s = test::scenario(R"(
channels:
  internet:
    price_factor: 0.9
    defaults: {p_eval: 0.7, kind: cloud, inhouse_chip: {p: 0.1}}
    accounts:
      - {name: A}
      - {name: B, p_eval: 0.9, price_factor: 1.2, inhouse_chip: {residual: 0.5}}
  carriers:
    defaults: {p_award: 0.4}
    operators:
      - {name: M}
      - {name: T, p_award: 0.1, procurement_month: 3}
)");
  const auto& acc = s.channels.internet.accounts;
  EXPECT_EQ(acc[0].p_eval.value(), 0.7);   // defaults
  EXPECT_EQ(acc[1].p_eval.value(), 0.9);   // entity
  EXPECT_EQ(acc[0].p_npi.value(), 0.6);    // built-in
  EXPECT_EQ(acc[0].price_factor.value(), 0.9);  // channel level
  EXPECT_EQ(acc[1].price_factor.value(), 1.2);
  EXPECT_EQ(acc[1].kind, AccountKind::cloud);
  EXPECT_EQ(acc[1].inhouse_chip.p.value(), 0.1);         // from defaults
  EXPECT_EQ(acc[1].inhouse_chip.residual.value(), 0.5);  // entity overrides one key
  EXPECT_EQ(acc[0].inhouse_chip.residual.value(), 0.1);  // built-in
  const auto& ops = s.channels.carriers.operators;
  EXPECT_EQ(ops[0].price_factor.value(), 0.8);  // carriers' built-in price factor
  EXPECT_EQ(ops[0].p_award.value(), 0.4);
  EXPECT_EQ(ops[1].p_award.value(), 0.1);
  EXPECT_EQ(ops[1].procurement_month.value(), 3);
}

TEST(ScenarioIo, IndustryOverridesIsvKeys) {
  const Scenario s = test::scenario(R"(
channels:
  isv:
    p_migrate: 0.4
    industries:
      - {name: finance, isvs: 12}
      - {name: energy, isvs: {uniform_int: [5, 9]}, p_migrate: 0.8, cards_per_order: 10}
)");
  const auto& ind = s.channels.isv.industries;
  EXPECT_EQ(ind[0].params.p_migrate.value(), 0.4);
  EXPECT_EQ(ind[1].params.p_migrate.value(), 0.8);
  EXPECT_EQ(ind[1].params.cards_per_order.value(), 10);
  EXPECT_EQ(ind[0].params.cards_per_order.kind(), DistKind::uniform_int);
  EXPECT_EQ(ind[1].isvs.kind(), DistKind::uniform_int);
}

TEST(ScenarioIo, EveryDistributionForm) {
  const Scenario s = test::scenario(R"(
company:
  cash: {uniform: [500, 900]}
  burn_per_month: {triangular: [20, 30, 50]}
  valuation: {pert: [1000, 3000, 9000]}
  gross_margin: {normal: [0.5, 0.1]}
  poc_capacity: {uniform_int: [2, 4]}
  rd_share: {beta: [7, 3]}
product:
  card_price: {lognormal: [0.03, 0.1]}
)");
  EXPECT_EQ(s.company.cash.kind(), DistKind::uniform);
  EXPECT_EQ(s.company.burn_per_month.kind(), DistKind::triangular);
  EXPECT_EQ(s.company.valuation.kind(), DistKind::pert);
  EXPECT_EQ(s.company.gross_margin.kind(), DistKind::normal);
  EXPECT_EQ(s.company.poc_capacity.kind(), DistKind::uniform_int);
  EXPECT_EQ(s.company.rd_share.kind(), DistKind::beta);
  EXPECT_EQ(s.product.card_price.kind(), DistKind::lognormal);
  // Normal truncated to the margin's valid range [-1, 1].
  EXPECT_EQ(s.company.gross_margin.support_lo(), -1.0);
  EXPECT_EQ(s.company.gross_margin.support_hi(), 1.0);
}

TEST(ScenarioIo, CorrelationShorthands) {
  const Scenario s = test::scenario("market: {channel_correlation: 0.5, within_channel_correlation: 0.1}\n");
  EXPECT_EQ(s.market.channel_correlation(2, 3), 0.5);
  EXPECT_EQ(s.market.channel_correlation(3, 3), 1.0);
  EXPECT_EQ(s.market.within_channel_correlation[3], 0.1);
}

TEST(ScenarioIo, ErrorCarriesLocationAndPath) {
  try {
    test::scenario("years: 5\nchannels:\n  government:\n    p_slip: 2\n");
    FAIL() << "accepted p_slip = 2";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file(), "test.yaml");
    EXPECT_EQ(e.line(), 4);
    EXPECT_EQ(e.column(), 13);
    EXPECT_EQ(e.path(), "channels.government.p_slip");
    EXPECT_STREQ(e.what(), "test.yaml:4:13: channels.government.p_slip: 2 is not a probability (expected 0..1)");
  }
}

const char* kTwoAccounts = R"(
channels:
  internet:
    accounts:
      - {name: BigCloud A, p_eval: 0.5}
      - {name: Search B}
)";

TEST(ScenarioIo, SetOverridesKeysAndEntitiesByName) {
  const Scenario s = parse_scenario(kTwoAccounts, "t.yaml",
                                    {"channels.internet.accounts[BigCloud A].npi_months={lognormal: [6, 12]}",
                                     "channels.internet.accounts[1].p_eval=0.9", "years=7",
                                     "channels.isv.industries=[{name: finance, isvs: 4}]", "company.cash=2000"});
  const auto& acc = s.channels.internet.accounts;
  EXPECT_EQ(acc[0].npi_months.kind(), DistKind::lognormal);
  EXPECT_EQ(acc[0].p_eval.value(), 0.5);  // untouched
  EXPECT_EQ(acc[1].p_eval.value(), 0.9);
  EXPECT_EQ(s.years, 7);
  EXPECT_EQ(s.company.cash.value(), 2000);
  ASSERT_TRUE(s.channels.isv.present);
  EXPECT_EQ(s.channels.isv.industries.at(0).isvs.value(), 4);
}

TEST(ScenarioIo, SetErrorsNameTheOption) {
  auto message = [](const std::vector<std::string>& sets) {
    try {
      parse_scenario(kTwoAccounts, "t.yaml", sets);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message({"channels.internet.accounts[0].p_eval=1.4"}),
            "--set channels.internet.accounts[0].p_eval=1.4: channels.internet.accounts[0].p_eval: 1.4 is not a "
            "probability (expected 0..1)");
  EXPECT_EQ(message({"channels.internet.accounts[Nobody].p_eval=0.4"}),
            "--set channels.internet.accounts[Nobody].p_eval=0.4: channels.internet.accounts[Nobody]: no entry named "
            "'Nobody' (nor index) in the list");
  EXPECT_EQ(message({"channels.internet.accounts[0].p_evall=0.4"}),
            "--set channels.internet.accounts[0].p_evall=0.4: channels.internet.accounts[0].p_evall: unknown key "
            "'p_evall' (did you mean 'p_eval'?)");
  EXPECT_EQ(message({"years"}), "--set years: expected KEY=VALUE, e.g. --set channels.isv.p_migrate=0.8");
  EXPECT_EQ(message({"a..b=1"}), "--set a..b=1: a..b: empty key in the path");
  EXPECT_EQ(message({"years=[5"}).rfind("--set years=[5: years: YAML syntax error in the value", 0), 0U);
  EXPECT_EQ(message({"name=Acme", "name.x=1"}), "--set name.x=1: name: is not a mapping, so it has no key 'x'");
  EXPECT_EQ(message({"name.x=1"}), "--set name.x=1: name: expected a non-empty name, got a mapping");
}

TEST(ScenarioIo, OversizedFileIsRefused) {
  const std::string big(kMaxScenarioBytes + 1, '#');
  EXPECT_THROW(parse_scenario(big, "big.yaml"), ScenarioError);
}

// Every file in tests/data/bad/ starts with "# expect: TEXT"; loading it must fail with a
// message "FILE:TEXT..." (TEXT starts with line:column where the place is known).
TEST(ScenarioIo, BadScenarioCatalogue) {
  const fs::path dir = fs::path(REVSIM_SOURCE_DIR) / "tests" / "data" / "bad";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 15U);
  for (const fs::path& f : files) {
    std::ifstream in(f);
    std::string first;
    std::getline(in, first);
    const std::string tag = "# expect: ";
    ASSERT_EQ(first.rfind(tag, 0), 0U) << f << " lacks an '# expect:' line";
    const std::string expected = f.string() + ":" + first.substr(tag.size());
    const std::string expected_no_line = f.string() + ": " + first.substr(tag.size());
    try {
      load_scenario(f.string());
      ADD_FAILURE() << f << " was accepted";
    } catch (const ScenarioError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(what.rfind(expected, 0) == 0 || what.rfind(expected_no_line, 0) == 0)
          << "file:     " << f << "\nexpected: " << expected << "\ngot:      " << what;
    }
  }
}

TEST(ScenarioIo, ImplausibleValuesWarnWithTheirPlace) {
  // MODEL.md §8 (v2): a card price in RMB instead of M RMB is accepted, with a warning.
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/tests/data/implausible.yaml");
  ASSERT_EQ(s.warnings.size(), 2U);
  EXPECT_NE(s.warnings[0].find("implausible.yaml:4:9: company.cash: 600000000 is implausibly large"), std::string::npos)
      << s.warnings[0];
  EXPECT_NE(s.warnings[1].find("implausible.yaml:6:15: product.card_price: 60000 is implausibly large"),
            std::string::npos)
      << s.warnings[1];
  const std::string gov = "channels: {government: {projects_per_year: 1}}\n";  // a channel: no warning of none
  EXPECT_TRUE(test::scenario("product: {card_price: 0.05}\n" + gov).warnings.empty());
  EXPECT_NE(s.warnings[1].find("(if it is in RMB, write 0.06)"), std::string::npos) << s.warnings[1];
  // A raise after the horizon never happens.
  const Scenario late = test::scenario("years: 2\ncompany: {raises: [{month: 30, amount: 100}]}\n" + gov);
  ASSERT_EQ(late.warnings.size(), 1U);
  EXPECT_NE(late.warnings[0].find("test.yaml:2:28: company.raises[0].month: 30 is beyond the horizon (24 months"),
            std::string::npos)
      << late.warnings[0];
  // A distribution is judged by its median.
  EXPECT_EQ(test::scenario("company: {burn_per_month: {uniform: [500, 3000]}}\n" + gov).warnings.size(), 1U);
  // No channel at all: valid, and said (docs/model.md §4), once.
  const Scenario none = test::scenario("company: {cash: 100}\n");
  ASSERT_EQ(none.warnings.size(), 1U);
  EXPECT_NE(none.warnings[0].find("test.yaml: channels: no channel is present (internet, carriers, government or isv), "
                                  "so revenue is 0 in every trial"),
            std::string::npos)
      << none.warnings[0];
}

TEST(ScenarioIo, NumbersInOtherUnitsGetAHint) {
  auto message = [](const std::string& yaml) {
    try {
      test::scenario(yaml);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("company: {cash: 600M}\n").find("money is in M RMB: write 600"), std::string::npos);
  EXPECT_NE(message("company: {cash: 6亿}\n").find("write 600"), std::string::npos);
  EXPECT_NE(message("software: {hardcode_p: 40%}\n").find("probabilities and shares are 0..1: write 0.4"),
            std::string::npos);
  EXPECT_NE(message("company:\n  cash: 1,000\n").find("without separators: 1000"), std::string::npos);
  EXPECT_NE(message("company: {cash: 60k}\n").find("write the whole number: 60000"), std::string::npos);
}

TEST(ScenarioIo, PipelineKeysLoad) {
  const Scenario s = test::scenario(R"(
start_year: 2026
start_month_in_year: 12
booked: {government: 120, isv: 3}
company:
  history: {2025: {revenue: 80, rd: 300}}
  raises: [{month: 6, amount: 500, p: 0.3, traction: {revenue_12m: 150, p: 0.8}}]
market:
  export_controls: {month: -38, p: 1, step: 0.5, gain_per_release: {lognormal: [1.0, 1.2]}, domestic_share_factor: 2}
channels:
  internet:
    defaults: {start_month: 4}
    accounts:
      - {name: A, stage: {phase: npi, elapsed: {uniform: [3, 6]}}}
      - {name: B}
  carriers:
    operators: [{name: M, stage: listed}, {name: T, stage: {phase: evaluation, elapsed: 2}}]
  government:
    p_win: 0.4
    projects: [{name: P, due_month: 2, value: 300, p_win: 0.7}]
    backlog: [{name: Q, value: 90, delivery_end_month: 3, turnkey: false, advance_received: 10}]
  isv:
    industries: [{name: banks, isvs: 10, live: 2, live_since: -14, migrating: 1, migration_elapsed: 2}]
)");
  EXPECT_EQ(s.horizon_months(), 12 * 5 - 11);
  EXPECT_EQ(s.year_of(0), 0);
  EXPECT_EQ(s.year_of(1), 1);  // January 2027
  EXPECT_EQ(s.booked[2], 120);
  EXPECT_EQ(s.company.history.at(2025).rd, 300);
  ASSERT_TRUE(s.company.raises[0].traction.has_value());
  EXPECT_EQ(s.company.raises[0].traction->p.value(), 0.8);
  ASSERT_TRUE(s.market.export_controls.has_value());
  EXPECT_EQ(s.market.export_controls->month.value(), -38);
  const auto& acc = s.channels.internet.accounts;
  EXPECT_EQ(acc[0].stage.phase, StagePhase::npi);
  EXPECT_EQ(acc[0].stage.elapsed.kind(), DistKind::uniform);
  EXPECT_EQ(acc[0].start_month.value(), 0);  // the defaults' start_month is ignored for a staged account
  EXPECT_EQ(acc[1].start_month.value(), 4);
  EXPECT_EQ(s.channels.carriers.operators[0].stage.phase, StagePhase::listed);
  EXPECT_EQ(s.channels.carriers.operators[1].stage.phase, StagePhase::evaluation);
  const auto& g = s.channels.government;
  EXPECT_EQ(g.projects[0].params.p_win.value(), 0.7);
  EXPECT_EQ(g.projects[0].params.turnkey_p.value(), 0.5);  // the channel's (built-in) value
  EXPECT_EQ(g.backlog[0].advance_received.value(), 10);
  EXPECT_FALSE(g.backlog[0].turnkey);
  const auto& ind = s.channels.isv.industries[0];
  EXPECT_EQ(ind.live, 2);
  EXPECT_EQ(ind.live_since, -14);
  EXPECT_EQ(ind.migrating, 1);
  EXPECT_EQ(ind.migration_elapsed, 2);
}

}  // namespace
}  // namespace revsim
