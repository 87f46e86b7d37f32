// The typed statistic: --stat spellings, values and standard errors by hand, and the string
// entry points (sensitivity's statistic, precision's standard_error, compare's worst_paired_se)
// agreeing with it and keeping their messages.
#include "revsim/compare.hpp"
#include "revsim/precision.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/stat.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

namespace revsim {
namespace {

TEST(Stat, SpellingsRoundTrip) {
  for (const char* name : {"mean", "p50", "p_threshold", "p_listing", "p_alive"}) {
    const std::optional<StatKind> k = parse_stat(name);
    ASSERT_TRUE(k.has_value()) << name;
    EXPECT_EQ(stat_name(*k), name);
  }
  EXPECT_FALSE(parse_stat("median").has_value());
  EXPECT_FALSE(parse_stat("").has_value());
  EXPECT_FALSE(parse_stat("P50").has_value());
  EXPECT_FALSE(is_indicator(StatKind::mean));
  EXPECT_FALSE(is_indicator(StatKind::p50));
  EXPECT_TRUE(is_indicator(StatKind::p_threshold));
  EXPECT_TRUE(is_indicator(StatKind::p_listing));
  EXPECT_TRUE(is_indicator(StatKind::p_alive));
}

/// 400 trials; one year: mean 50, sd 20, median 45, P(>= thr) 0.2 (se 0.02), alive 0.9, listing 0.5.
Results hand_results() {
  Results r;
  r.trials = 400;
  YearStats y;
  y.year = 2025;
  y.mean = 50;
  y.sd = 20;
  y.p50 = 45;
  y.p_threshold = 0.2;
  y.p_threshold_se = 0.02;
  y.p_alive = 0.9;
  y.p_listing = 0.5;
  r.years.push_back(y);
  return r;
}

TEST(Stat, ValuesAndStandardErrorsByHand) {
  const Results r = hand_results();
  const YearStats& y = r.years.front();
  const Stat mean = year_stat(r, y, StatKind::mean);
  EXPECT_EQ(mean.value, 50);
  EXPECT_DOUBLE_EQ(*mean.se, 1.0);  // 20 / sqrt(400)
  EXPECT_FALSE(mean.indicator);
  const Stat p50 = year_stat(r, y, StatKind::p50);
  EXPECT_EQ(p50.value, 45);
  EXPECT_FALSE(p50.se.has_value());
  EXPECT_DOUBLE_EQ(*year_stat(r, y, StatKind::p_threshold).se, 0.02);
  EXPECT_DOUBLE_EQ(*year_stat(r, y, StatKind::p_alive).se, 0.015);   // sqrt(0.9 x 0.1 / 400)
  EXPECT_DOUBLE_EQ(*year_stat(r, y, StatKind::p_listing).se, 0.025);  // sqrt(0.25 / 400)
  EXPECT_EQ(year_stat(r, y, StatKind::p_listing).value, 0.5);
  EXPECT_TRUE(year_stat(r, y, StatKind::p_alive).indicator);
}

std::string invalid_argument(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument)";
}

TEST(Stat, StringEntryPointsAgreeAndKeepTheirMessages) {
  const Results r = hand_results();
  EXPECT_EQ(statistic(r, "p50", 2025), 45);
  EXPECT_EQ(statistic(r, "p_alive", 2025), 0.9);
  EXPECT_EQ(invalid_argument([&] { statistic(r, "median", 2025); }),
            "--stat median: expected mean, p50, p_threshold, p_listing or p_alive");
  EXPECT_EQ(invalid_argument([&] { statistic(r, "median", 2031); }), "--year 2031: not a fiscal year of the scenario");
  EXPECT_DOUBLE_EQ(standard_error(r, r.years.front(), "mean"), 1.0);
  EXPECT_DOUBLE_EQ(standard_error(r, r.years.front(), "p_listing"), 0.025);
  // The median has no standard error: precision cannot target it.
  EXPECT_EQ(invalid_argument([&] { standard_error(r, r.years.front(), "p50"); }),
            "--stat p50: expected mean, p_threshold, p_listing or p_alive");
}

TEST(Stat, PairedStandardErrorTakesAnOptionalYear) {
  Comparison c;
  c.scenarios.resize(2);
  for (int year : {2024, 2025}) {
    PairedYear y;
    y.year = year;
    y.se_paired = year == 2024 ? 3.0 : 2.0;
    y.p_threshold_diff_se = year == 2024 ? 0.01 : 0.04;
    c.scenarios[1].years.push_back(y);
  }
  EXPECT_EQ(worst_paired_se(c, "mean", std::nullopt), 3.0);  // every year
  EXPECT_EQ(worst_paired_se(c, "mean", 2025), 2.0);
  EXPECT_EQ(worst_paired_se(c, "p_threshold", std::nullopt), 0.04);
  EXPECT_EQ(worst_paired_se(c, "p_threshold", 2024), 0.01);
  EXPECT_EQ(invalid_argument([&] { worst_paired_se(c, "p_alive", std::nullopt); }),
            "--stat p_alive: compare's --precision takes mean or p_threshold");
  EXPECT_EQ(invalid_argument([&] { worst_paired_se(c, "mean", 2030); }),
            "--year 2030: not a fiscal year of the scenarios");
}

}  // namespace
}  // namespace revsim
