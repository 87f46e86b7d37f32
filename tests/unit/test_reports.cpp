// Reporters: JSON carries every field of MODEL.md §5; CSV and table have their shape.
#include "revsim/report.hpp"
#include "revsim/tidy_csv.hpp"
#include "revsim/xlsx_report.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace revsim {
namespace {

Results example_results() {
  static const Results r = run_simulation(load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml"),
                                          RunOptions{2000, 3, true, 2});
  return r;
}

TEST(Reports, JsonHasEveryModelField) {
  const auto j = to_json(example_results());
  for (const char* k : {"scenario", "trials", "seed", "threshold", "start_year", "years", "first_crossing", "accounts",
                        "forecast_audit", "runtime"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"seconds", "trials_per_second", "threads"}) EXPECT_TRUE(j["runtime"].contains(k)) << k;
  ASSERT_EQ(j["years"].size(), 5U);
  const auto& y = j["years"][0];
  for (const char* k : {"year", "mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p_threshold",
                        "p_threshold_se", "p_alive", "p_listing", "channels"})
    EXPECT_TRUE(y.contains(k)) << k;
  for (const char* c : {"internet", "carriers", "government", "isv"})
    for (const char* k : {"mean", "p50", "p90", "share"}) EXPECT_TRUE(y["channels"][c].contains(k)) << c << "." << k;
  for (const char* k : {"2023", "2024", "2025", "2026", "2027", "never"}) EXPECT_TRUE(j["first_crossing"].contains(k));
  ASSERT_EQ(j["accounts"].size(), 6U);
  for (const char* k : {"name", "channel", "p_production", "mean_revenue", "median_first_order_month"})
    EXPECT_TRUE(j["accounts"][0].contains(k)) << k;
  ASSERT_EQ(j["forecast_audit"].size(), 3U);
  for (const char* k : {"year", "forecast", "percentile", "p_at_least", "face_value"})
    EXPECT_TRUE(j["forecast_audit"][0].contains(k)) << k;
}

TEST(Reports, SummariesAreConsistent) {
  const Results r = example_results();
  double crossing = 0;
  for (const auto& [k, p] : r.first_crossing) crossing += p;
  EXPECT_NEAR(crossing, 1.0, 1e-12);
  for (const YearStats& y : r.years) {
    EXPECT_LE(y.p5, y.p10);
    EXPECT_LE(y.p10, y.p25);
    EXPECT_LE(y.p25, y.p50);
    EXPECT_LE(y.p50, y.p75);
    EXPECT_LE(y.p75, y.p90);
    EXPECT_LE(y.p90, y.p95);
    double mean = 0, share = 0;
    for (const ChannelStats& c : y.channels) {
      mean += c.mean;
      share += c.share;
    }
    EXPECT_NEAR(mean, y.mean, 1e-9 * (1 + y.mean));  // channel means add up to the total
    if (y.mean > 0) {
      EXPECT_NEAR(share, 1.0, 1e-9);
    }
    EXPECT_LE(y.p_listing, y.p_threshold);
  }
  for (const ForecastYear& f : r.forecast_audit) EXPECT_GT(f.face_value, f.p90);  // face value is a dream
}

TEST(Reports, FaceValueByEntityAddsUpAndNamesTheCarriers) {
  const Results r = example_results();
  for (const ForecastYear& f : r.forecast_audit) {
    double sum = 0;
    for (const auto& [name, v] : f.face_by_entity) sum += v;
    EXPECT_NEAR(sum, f.face_value, 1e-9 * f.face_value);
    for (std::size_t i = 1; i < f.face_by_entity.size(); ++i)
      EXPECT_GE(f.face_by_entity[i - 1].second, f.face_by_entity[i].second);
    // The carriers are the largest entities and their face value covers the gap to P50.
    const auto names = f.carried_by();
    ASSERT_FALSE(names.empty());
    double covered = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(names[i], f.face_by_entity[i].first);
      covered += f.face_by_entity[i].second;
    }
    EXPECT_GE(covered, f.forecast - f.p50);
    EXPECT_LT(covered - f.face_by_entity[names.size() - 1].second, f.forecast - f.p50);
  }
  // Named accounts and the aggregates all appear: 6 accounts, government, 3 ISV industries.
  EXPECT_EQ(r.forecast_audit[1].face_by_entity.size(), 10U);
}

TEST(Reports, CsvHasAHeaderAndOneRowPerYear) {
  std::ostringstream os;
  write_csv(os, example_results());
  std::istringstream in(os.str());
  std::string line;
  int rows = 0;
  std::size_t columns = 0;
  while (std::getline(in, line)) {
    const auto n = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    if (rows == 0) columns = n;
    EXPECT_EQ(n, columns);
    ++rows;
  }
  EXPECT_EQ(rows, 6);
  EXPECT_EQ(columns, 14U + 16U + 6U + 4U);  // per year, channels, concentration, runway, scenario/seed/trials/quantiles
  EXPECT_NE(os.str().find(",scenario,seed,trials,quantiles\n"), std::string::npos);
  EXPECT_NE(os.str().find(",exact\n"), std::string::npos);
}

TEST(Reports, CsvFieldsAreQuotedOnlyWhenTheyMustBe) {
  EXPECT_EQ(csv_field("example"), "example");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_cell(Cell(std::int64_t{9007199254740992})), "9007199254740992");
  EXPECT_EQ(csv_cell(Cell(0.1)), "0.1");
  EXPECT_EQ(csv_cell(Cell()), "");
}

TEST(Reports, TidyCsvHasOneRowPerYearStatisticAndChannel) {
  const Results r = example_results();
  std::ostringstream os;
  write_tidy_csv(os, r);
  std::istringstream in(os.str());
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "scenario,seed,trials,year,statistic,channel,value");
  std::size_t rows = 0, seven = 0;
  while (std::getline(in, line)) {
    ++rows;
    if (std::count(line.begin(), line.end(), ',') == 6) ++seven;
    EXPECT_EQ(line.rfind("example,3,2000,", 0), 0U) << line;
  }
  // Per year: 13 totals + 4 channels x 4 + 4 concentration; 4 per forecast year (example.yaml:
  // 2024, 2025, 2026); a first-crossing row per crossing year; whole run: never + 3 runway + 3 P(alive).
  std::size_t crossing_years = 0;
  for (const auto& [when, p] : r.first_crossing) crossing_years += when != "never";
  ASSERT_EQ(r.years.size(), 5U);
  ASSERT_EQ(r.forecast_audit.size(), 3U);
  EXPECT_EQ(rows, 5 * (13 + 16 + 4) + 3 * 4 + crossing_years + 7);
  EXPECT_EQ(seven, rows);
}

TEST(Reports, WorkbookSheetsHoldNumbers) {
  const Results r = example_results();
  const std::vector<Table> sheets = results_sheets(r);
  std::vector<std::string> names;
  for (const Table& t : sheets) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"years", "channels", "first_crossing", "runway", "concentration",
                                              "accounts", "audit", "audit_entities"}));
  const Table& years = sheets.front();
  ASSERT_EQ(years.rows.size(), r.years.size());
  for (std::size_t i = 0; i < r.years.size(); ++i) {
    ASSERT_EQ(years.rows[i].size(), years.columns.size());
    EXPECT_EQ(std::get<std::int64_t>(years.rows[i][0]), r.years[i].year);
    EXPECT_EQ(std::get<double>(years.rows[i][1]), r.years[i].mean);
    EXPECT_EQ(std::get<double>(years.rows[i][13]), r.years[i].p_listing);
  }
  const Table with = results_sheets(r, true).front();
  EXPECT_EQ(with.columns.front(), "scenario");
  EXPECT_EQ(std::get<std::string>(with.rows.front().front()), r.scenario);
}

TEST(Reports, TableHasEverySection) {
  std::ostringstream os;
  write_table(os, example_results());
  const std::string t = os.str();
  for (const char* s : {"Revenue by fiscal year", "First year revenue reaches", "Accounts", "Forecast audit", "runtime:"})
    EXPECT_NE(t.find(s), std::string::npos) << s;
}

TEST(Reports, OnlyA200MThresholdIsCalledStarStandard2) {
  Results r = example_results();
  ASSERT_EQ(r.threshold, 200.0);
  std::ostringstream at200, at150;
  write_table(at200, r);
  EXPECT_NE(at200.str().find("┊ 200 M (STAR standard 2)\n"), std::string::npos);
  r.threshold = 150;
  write_table(at150, r);
  EXPECT_NE(at150.str().find("┊ 150 M threshold (STAR standard 2: 200 M)\n"), std::string::npos) << at150.str();
}

TEST(Reports, StreamingQuantilesAreSaidInTheTableAndTheCsv) {
  // An analyst saw P5 = P50 = 42.25 in a 10^6-trial table with nothing saying they were estimates.
  Results r = example_results();
  std::ostringstream exact_table, exact_csv;
  write_table(exact_table, r);
  write_csv(exact_csv, r);
  EXPECT_EQ(exact_table.str().find("streaming"), std::string::npos);
  r.quantiles = "streaming";
  std::ostringstream table, csv;
  write_table(table, r);
  write_csv(csv, r);
  EXPECT_NE(table.str().find(std::string("\n") + kStreamingNote + "\n\nruntime:"), std::string::npos) << table.str();
  std::istringstream lines(csv.str());
  std::string line;
  std::getline(lines, line);
  int rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.substr(line.size() - 10), ",streaming") << line;
    ++rows;
  }
  EXPECT_EQ(rows, 5);
}

TEST(Reports, AccountsTableNeverShowsZeroPercentBesideAMonth) {
  // A rare first order (2 trials in 10 000) and none at all: "0.0%" beside "month 30.0" misled.
  Results r = example_results();
  ASSERT_GE(r.accounts.size(), 2U);
  r.accounts[0].p_production = 0.0002;
  r.accounts[0].median_first_order_month = 30.0;
  r.accounts[1].p_production = 0;
  r.accounts[1].median_first_order_month.reset();
  std::ostringstream os;
  write_table(os, r);
  const std::string t = os.str();
  const auto line = [&](const std::string& name) {
    const auto at = t.find("  " + name + " ");
    return at == std::string::npos ? std::string() : t.substr(at, t.find('\n', at) - at);
  };
  const std::string rare = line(r.accounts[0].name), none = line(r.accounts[1].name);
  EXPECT_NE(rare.find(" 0.02% "), std::string::npos) << rare;
  EXPECT_NE(rare.find("month 30.0"), std::string::npos) << rare;
  EXPECT_EQ(rare.find("0.0%"), std::string::npos) << rare;
  EXPECT_EQ(none.find("0.0%"), std::string::npos) << none;
  EXPECT_EQ(none.find("month"), std::string::npos) << none;
  EXPECT_EQ(std::count(none.begin(), none.end(), '\xe2'), 2) << "two dashes: " << none;  // "—" is E2 80 94
}

}  // namespace
}  // namespace revsim
