// What a newcomer's trial found (branch uxfix): the Sobol table files (luck) by its own
// distinguishable_from_zero, the tornado labels a floored key with the values the model runs,
// and a sweep refuses a key given twice.
#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"
#include "revsim/sweep.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace revsim {
namespace {

SobolFactor factor(const std::string& name, double total, double lo, double hi, bool nonzero, int rank) {
  SobolFactor f;
  f.name = name;
  f.given = "uniform";
  f.first = total / 2;
  f.first_lo = lo / 2;
  f.first_hi = hi / 2;
  f.total = total;
  f.total_lo = lo;
  f.total_hi = hi;
  f.nonzero = nonzero;
  f.rank = rank;
  return f;
}

Sobol sobol_table(bool luck_nonzero) {
  Sobol s;
  s.scenario = "hand";
  s.quantity = "indicator";
  s.base_rows = 100;
  s.evaluations = 500;
  s.bootstrap = 200;
  s.variance = 0.2;
  s.factors = {factor("a.ranked", 0.30, 0.10, 0.50, true, 1), factor("b.zero_like", 0.02, -0.01, 0.05, false, 0),
               luck_nonzero ? factor("(luck)", 0.981, 0.921, 1.051, true, 0)
                            : factor("(luck)", 0.01, -0.02, 0.04, false, 0)};
  return s;
}

/// The lines of `text` from the one containing `from` on.
std::string after(const std::string& text, const std::string& from) {
  const auto at = text.find(from);
  return at == std::string::npos ? std::string() : text.substr(at);
}

TEST(Uxfix, SobolLuckToldApartFromZeroIsNotListedUnderTheZeroGroup) {
  const Sobol s = sobol_table(true);
  ASSERT_TRUE(to_json(s)["factors"][2]["distinguishable_from_zero"].get<bool>());
  std::ostringstream os;
  write_table(os, s);
  const std::string t = os.str();
  // The zero group holds b only: between its header and (luck) there is a header saying that
  // (luck) is told apart from zero.
  const std::string zero = after(t, "not told apart from zero (the interval of the total index reaches 0), unranked:");
  ASSERT_FALSE(zero.empty()) << t;
  const auto b = zero.find("b.zero_like"), told = zero.find("told apart from zero, unranked (not a parameter):"),
             luck = zero.find("(luck)");
  EXPECT_LT(b, told) << t;
  EXPECT_LT(told, luck) << t;
  EXPECT_NE(told, std::string::npos) << t;
  EXPECT_EQ(zero.find("not told apart", 1), std::string::npos) << t;  // one "not told apart" header only
}

TEST(Uxfix, SobolLuckNotToldApartFromZeroSaysSo) {
  std::ostringstream os;
  write_table(os, sobol_table(false));
  const std::string t = os.str();
  const std::string luck_header =
      "not told apart from zero (the interval of the total index reaches 0), unranked (not a parameter):";
  EXPECT_NE(t.find(luck_header), std::string::npos) << t;
  EXPECT_LT(t.find(luck_header), t.find("(luck)")) << t;
  EXPECT_EQ(t.find("told apart from zero, unranked (not a parameter)"), std::string::npos) << t;
}

TEST(Uxfix, SobolWithoutBootstrapSaysThereAreNoIntervals) {
  Sobol s = sobol_table(true);
  s.bootstrap = 0;
  for (SobolFactor& f : s.factors) {
    f.first_lo = f.first_hi = f.total_lo = f.total_hi = std::numeric_limits<double>::quiet_NaN();
    f.nonzero = f.total > 0;
  }
  s.factors[1].total = 0;
  s.factors[1].nonzero = false;
  std::ostringstream os;
  write_table(os, s);
  const std::string t = os.str();
  EXPECT_EQ(t.find("% intervals"), std::string::npos) << t;
  EXPECT_NE(t.find("no bootstrap (--bootstrap 0): no intervals"), std::string::npos) << t;
  EXPECT_NE(t.find("not told apart from zero (the total index is not above 0), unranked:"), std::string::npos) << t;
  EXPECT_EQ(t.find("interval of the total index"), std::string::npos) << t;
}

TEST(Uxfix, TornadoLevelsOfAFlooredKeyAreTheFlooredValuesRun) {
  EXPECT_TRUE(floored_when_drawn("channels.government.max_slips"));
  EXPECT_TRUE(floored_when_drawn("channels.isv.industries[Finance].isvs"));
  EXPECT_FALSE(floored_when_drawn("channels.government.p_slip"));
  EXPECT_FALSE(floored_when_drawn("channels.government.max_slips_extra"));
  // Slips matter: a project slips (p_slip 0.5) up to max_slips times.
  const auto path = std::filesystem::temp_directory_path() / "revsim_uxfix_floored.yaml";
  std::ofstream(path) << "years: 3\ncompany: {cash: 100000, burn_per_month: 0}\n"
                         "channels:\n  government: {projects_per_year: 4, value: 100, sales_cycle_months: 6, "
                         "p_slip: 0.5, max_slips: 2, p_win: 0.5, turnkey_p: 1, delivery_months: 0}\n";
  for (const bool spider : {false, true}) {
    const Sensitivity s = sensitivity(path.string(), {}, RunOptions{400, 1, true, 2}, "mean", 2024, spider);
    const SensitivityRow* row = nullptr;
    for (const SensitivityRow& r : s.rows)
      if (r.parameter == "channels.government.max_slips") row = &r;
    ASSERT_NE(row, nullptr);
    EXPECT_TRUE(row->floored);
    EXPECT_EQ(row->given_value, 2.0);
    // ±20 % of 2 is 1.6 and 2.4, run as 1 and 2 (spider: 1.6, 1.8, 2, 2.2, 2.4 -> 1, 1, 2, 2, 2).
    const std::vector<double> want = spider ? std::vector<double>{1, 1, 2, 2, 2} : std::vector<double>{1, 2};
    EXPECT_EQ(row->levels, want);
    // The high level is the scenario as given: on common random numbers, the base exactly.
    EXPECT_EQ(row->stats.back(), s.base);
    if (!spider) {
      std::ostringstream os;
      write_table(os, s, 50);
      const std::string t = os.str();
      const std::string line = after(t, "channels.government.max_slips");
      EXPECT_EQ(line.substr(0, line.find('\n')).find("1.6"), std::string::npos) << t;
      EXPECT_NE(line.substr(0, line.find('\n')).find(" 2="), std::string::npos) << t;
      EXPECT_NE(t.find("⌊ a whole-number key, floored when drawn"), std::string::npos) << t;
      EXPECT_NE(t.find("= the level is the value as given"), std::string::npos) << t;
    }
  }
  std::filesystem::remove(path);
}

TEST(Uxfix, SweepRefusesAKeyGivenTwice) {
  const std::string path = std::string(REVSIM_SOURCE_DIR) + "/scenarios/balanced.yaml";
  try {
    (void)plan_sweep(path, {}, {"company.cash=300,600", "company.cash=1,2"}, {});
    FAIL() << "a key given twice in --grid was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.path(), "company.cash");
    EXPECT_NE(std::string(e.what()).find("already varied by --grid company.cash=300,600"), std::string::npos) << e.what();
  }
  try {
    (void)plan_sweep(path, {"company.cash=5"}, {"company.cash=1,2"}, {});
    FAIL() << "a key given in --set and --grid was accepted";
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("also set by --set company.cash=5"), std::string::npos) << e.what();
  }
  // Different keys still make the cartesian product.
  const SweepPlan ok = plan_sweep(path, {"seed=3"}, {"company.cash=300,600", "company.burn_per_month=1,2,3"}, {});
  EXPECT_EQ(ok.points(), 6U);
}

}  // namespace
}  // namespace revsim
