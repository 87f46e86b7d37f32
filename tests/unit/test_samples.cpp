// --samples with the drawn per-trial inputs and the cash at each fiscal year end (issue 15,
// part 3, last bullet): run_with_samples, compare_with_samples and the CSV / JSON lines writer.
#include "revsim/compare.hpp"
#include "revsim/report.hpp"
#include "revsim/samples.hpp"
#include "revsim/sobol.hpp"
#include "test_support.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace revsim {
namespace {

using test::calm_world;
using test::replace;
using test::scenario;

/// The column of input `name` of a run's samples.
std::vector<double> input_column(const RunOutput& r, const std::string& name) {
  const auto it = std::find(r.input_names.begin(), r.input_names.end(), name);
  if (it == r.input_names.end()) throw std::logic_error("no input " + name);
  const auto i = static_cast<std::size_t>(it - r.input_names.begin());
  const std::size_t I = r.input_names.size();
  std::vector<double> out;
  for (std::size_t t = 0; t < r.fail_month.size(); ++t) out.push_back(r.inputs[t * I + i]);
  return out;
}

/// Bit-identical vectors (NaN included).
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("revsim_test_samples_" + name)).string();
}

TEST(Samples, TheInputIsTheValueTheTrialUsed) {
  // No revenue, no burn: the cash at every year end is the starting cash the trial drew.
  const Scenario s = scenario(replace(calm_world(3), "cash: 1000000", "cash: {uniform: [100, 200]}"));
  const RunOutput r = run_with_samples(s, RunOptions{500, 3, true, 2});
  ASSERT_EQ(r.input_names, std::vector<std::string>{"company.cash"});
  for (std::size_t t = 0; t < 500; ++t) {
    ASSERT_GE(r.inputs[t], 100.0);
    for (std::size_t y = 0; y < 3; ++y) ASSERT_EQ(r.cash[t * 3 + y], r.inputs[t]) << t << " " << y;
  }
}

TEST(Samples, CashAtYearEndsIsHandComputed) {
  // 250 M RMB, burn 10 a month, no revenue: 130 at the end of 2023, 10 at the end of 2024;
  // month 25 takes it to -10: failure (fail_month 25), so no cash at the end of 2025 or later.
  Scenario s = scenario(replace(replace(calm_world(4), "cash: 1000000", "cash: 250"), "burn_per_month: 0",
                                "burn_per_month: 10"));
  RunOutput r = run_with_samples(s, RunOptions{3, 1, true, 1});
  ASSERT_EQ(r.cash.size(), 3U * 4U);
  EXPECT_TRUE(r.input_names.empty());
  for (std::size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(r.fail_month[t], 25);
    EXPECT_DOUBLE_EQ(r.cash[t * 4 + 0], 130.0);
    EXPECT_DOUBLE_EQ(r.cash[t * 4 + 1], 10.0);
    EXPECT_TRUE(std::isnan(r.cash[t * 4 + 2]));
    EXPECT_TRUE(std::isnan(r.cash[t * 4 + 3]));
  }
  // A first fiscal year of 6 months (month 0 is July) and a raise of 50 in month 8 (p = 1):
  // 1000 - 60 = 940 at the end of the first year; 940 - 120 + 50 = 870; 750.
  s = scenario(replace(replace(calm_world(3), "cash: 1000000", "cash: 1000, raises: [{month: 8, amount: 50, p: 1}]"),
                       "burn_per_month: 0", "burn_per_month: 10") +
               "start_month_in_year: 7\n");
  r = run_with_samples(s, RunOptions{2, 1, true, 1});
  for (std::size_t t = 0; t < 2; ++t) {
    EXPECT_EQ(r.fail_month[t], -1);
    EXPECT_DOUBLE_EQ(r.cash[t * 3 + 0], 940.0);
    EXPECT_DOUBLE_EQ(r.cash[t * 3 + 1], 870.0);
    EXPECT_DOUBLE_EQ(r.cash[t * 3 + 2], 750.0);
  }
}

TEST(Samples, AnInputATrialDoesNotNeedIsEmpty) {
  // The TCO advantage is read by internet and carriers only: a government-only trial draws none.
  const Scenario s = scenario(replace(calm_world(), "tco_advantage: 1.5", "tco_advantage: {uniform: [1, 2]}") +
                              "channels:\n  government: {projects_per_year: 2}\n");
  const RunOutput r = run_with_samples(s, RunOptions{50, 1, true, 1});
  for (double v : input_column(r, "product.tco_advantage")) EXPECT_TRUE(std::isnan(v));
}

TEST(Samples, EveryInputOfTheExampleIsDrawnWithinItsSupportAndNamedAsSobolNamesIt) {
  // Every channel present: each uncertain per-trial key must be drawn in every trial (a draw
  // not routed through the recorder would leave its column empty), inside its distribution.
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml");
  const RunOutput r = run_with_samples(s, RunOptions{200, 5, true, 2});
  const std::vector<Parameter> params = list_parameters(s);
  std::vector<std::string> expected;
  std::vector<const Parameter*> dist;
  for (const Parameter& p : params)
    if (p.per_trial && !p.dist.is_constant()) {
      expected.push_back(p.path);
      dist.push_back(&p);
    }
  ASSERT_EQ(r.input_names, expected);
  ASSERT_GT(expected.size(), 10U);
  const std::size_t I = expected.size();
  for (std::size_t t = 0; t < 200; ++t)
    for (std::size_t i = 0; i < I; ++i) {
      const double v = r.inputs[t * I + i];
      ASSERT_FALSE(std::isnan(v)) << expected[i] << " trial " << t;
      ASSERT_GE(v, dist[i]->dist.support_lo()) << expected[i];
      ASSERT_LE(v, dist[i]->dist.support_hi()) << expected[i];
    }
  // The same names as the Sobol factors (less "(luck)").
  const Sobol sb = sobol(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml", {}, RunOptions{2, 5, true, 1},
                         "mean", std::nullopt, 0, 0.95);
  std::set<std::string> factors;
  for (const SobolFactor& f : sb.factors)
    if (f.name != "(luck)") factors.insert(f.name);
  EXPECT_EQ(factors, std::set<std::string>(expected.begin(), expected.end()));
}

TEST(Samples, RecordingChangesNoDrawAndNoResult) {
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/balanced.yaml");
  const RunOptions o{1500, 9, true, 2};
  const RunOutput r = run_with_samples(s, o);
  const std::vector<TrialOutcome> plain = simulate_trials(s, 9, 0, 1500);
  for (std::size_t t = 0; t < plain.size(); ++t) {
    ASSERT_TRUE(plain[t].inputs.empty() && plain[t].cash.empty());
    ASSERT_EQ(r.fail_month[t], plain[t].fail_month) << t;
    for (std::size_t i = 0; i < plain[t].revenue.size(); ++i)
      ASSERT_EQ(r.revenue[t * plain[t].revenue.size() + i], plain[t].revenue[i]) << t;
  }
  EXPECT_EQ(to_json(r.results, false).dump(), to_json(run_simulation(s, o), false).dump());
}

TEST(Samples, InputsAndCashDoNotDependOnTheThreads) {
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml");
  const RunOutput one = run_with_samples(s, RunOptions{700, 4, true, 1});
  const RunOutput three = run_with_samples(s, RunOptions{700, 4, true, 3});
  EXPECT_TRUE(same_bits(one.inputs, three.inputs));
  EXPECT_TRUE(same_bits(one.cash, three.cash));
  const std::string p1 = temp_path("t1.csv"), p3 = temp_path("t3.csv");
  write_samples(p1, one);
  write_samples(p3, three);
  EXPECT_EQ(slurp(p1), slurp(p3));
  std::filesystem::remove(p1);
  std::filesystem::remove(p3);
}

TEST(Samples, CsvAndJsonLinesOfAHandComputedRun) {
  // Cash 250, burn 10, one uniform input (the valuation: no effect without revenue).
  const Scenario s = scenario(replace(replace(calm_world(3), "cash: 1000000", "cash: 250, valuation: {uniform: [1, 2]}"),
                                      "burn_per_month: 0", "burn_per_month: 10"));
  const RunOutput r = run_with_samples(s, RunOptions{2, 1, true, 1});
  const std::string csv = temp_path("h.csv"), jsonl = temp_path("h.jsonl");
  write_samples(csv, r);
  write_samples(jsonl, r);
  std::istringstream lines(slurp(csv));
  std::string header, row;
  std::getline(lines, header);
  EXPECT_EQ(header,
            "trial,fail_month,first_crossing,"
            "2023_total,2023_internet,2023_carriers,2023_government,2023_isv,2023_alive,"
            "2024_total,2024_internet,2024_carriers,2024_government,2024_isv,2024_alive,"
            "2025_total,2025_internet,2025_carriers,2025_government,2025_isv,2025_alive,"
            "2023_cash,2024_cash,2025_cash,input:company.valuation");
  std::getline(lines, row);
  EXPECT_EQ(row, fmt::format("0,25,,0,0,0,0,0,1,0,0,0,0,0,1,0,0,0,0,0,0,130,10,,{}", r.inputs[0]));
  std::istringstream jl(slurp(jsonl));
  std::getline(jl, row);
  EXPECT_EQ(row, fmt::format(R"({{"trial":0,"fail_month":25,"first_crossing":null,"years":[)"
                             R"({{"year":2023,"total":0,"internet":0,"carriers":0,"government":0,"isv":0,"alive":true,"cash":130}},)"
                             R"({{"year":2024,"total":0,"internet":0,"carriers":0,"government":0,"isv":0,"alive":true,"cash":10}},)"
                             R"({{"year":2025,"total":0,"internet":0,"carriers":0,"government":0,"isv":0,"alive":false,"cash":null}}],)"
                             R"("inputs":{{"company.valuation":{}}}}})",
                             r.inputs[0]));
  std::filesystem::remove(csv);
  std::filesystem::remove(jsonl);
}

TEST(Samples, CompareKeepsOneBlockPerScenarioPairedByTrial) {
  // A and B share the company's uncertain cash; B adds an account with an uncertain start.
  const std::string base = replace(calm_world(3), "cash: 1000000", "cash: {uniform: [100, 200]}");
  const Scenario a = scenario(base);
  const Scenario b = scenario(base + test::kInternetAccount + "        start_month: {uniform: [0, 6]}\n");
  const RunOptions o{300, 21, true, 2};
  const ComparisonSamples c = compare_with_samples({a, b}, o);
  ASSERT_EQ(c.runs.size(), 2U);
  // Trial t of each is trial t of a plain run with the same seed: the index to pair on.
  const RunOutput ra = run_with_samples(a, o), rb = run_with_samples(b, o);
  EXPECT_TRUE(same_bits(c.runs[0].inputs, ra.inputs));
  EXPECT_TRUE(same_bits(c.runs[1].inputs, rb.inputs));
  EXPECT_TRUE(same_bits(c.runs[1].cash, rb.cash));
  // Common random numbers: the shared key drew the same value in trial t of both.
  EXPECT_EQ(input_column(c.runs[0], "company.cash"), input_column(c.runs[1], "company.cash"));
  // Keeping samples changes no number of the comparison.
  Comparison plain = compare_scenarios({a, b}, o), kept = c.comparison;
  EXPECT_EQ(to_json(plain, false).dump(), to_json(kept, false).dump());
  // CSV: a scenario column, the union of the inputs (empty for A's missing key), N rows each.
  const std::string path = temp_path("c.csv");
  write_samples(path, c);
  std::istringstream lines(slurp(path));
  std::string header, row;
  std::getline(lines, header);
  EXPECT_TRUE(header.starts_with("scenario,trial,fail_month,first_crossing,2023_total,")) << header;
  EXPECT_TRUE(header.ends_with(",2025_cash,input:company.cash,input:channels.internet.accounts[A].start_month,"
                               "input:channels.internet.accounts[A].inhouse_chip.month"))
      << header;
  std::vector<std::string> rows;
  while (std::getline(lines, row)) rows.push_back(row);
  ASSERT_EQ(rows.size(), 600U);
  // Both are named "test" (and come from one file name): labelled apart by their places (robust).
  EXPECT_TRUE(rows[0].starts_with("test (#1),0,")) << rows[0];
  EXPECT_TRUE(rows[0].ends_with(fmt::format(",{},,", ra.inputs[0]))) << rows[0];  // A has no account
  EXPECT_TRUE(rows[300].starts_with("test (#2),0,")) << rows[300];
  ASSERT_EQ(rb.input_names.size(), 3U);
  EXPECT_TRUE(rows[300].ends_with(fmt::format(",{},{},{}", rb.inputs[0], rb.inputs[1], rb.inputs[2]))) << rows[300];
  std::filesystem::remove(path);
}

TEST(Samples, CompareOfAScenarioWithItselfGivesIdenticalBlocks) {
  const Scenario s = load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/balanced.yaml");
  const ComparisonSamples c = compare_with_samples({s, s}, RunOptions{400, 8, true, 3});
  EXPECT_TRUE(same_bits(c.runs[0].inputs, c.runs[1].inputs));
  EXPECT_TRUE(same_bits(c.runs[0].cash, c.runs[1].cash));
  EXPECT_TRUE(same_bits(c.runs[0].revenue, c.runs[1].revenue));
  const std::string path = temp_path("self.jsonl");
  write_samples(path, c);
  std::istringstream lines(slurp(path));
  std::vector<std::string> rows;
  for (std::string row; std::getline(lines, row);) rows.push_back(row);
  ASSERT_EQ(rows.size(), 800U);
  // Identical blocks but for the scenario label, which tells the two copies apart (robust).
  const std::string first = R"({"scenario":")" + s.name + R"x( (#1)",)x";
  const std::string second = R"({"scenario":")" + s.name + R"x( (#2)",)x";
  for (std::size_t t = 0; t < 400; ++t) {
    ASSERT_TRUE(rows[t].starts_with(first)) << rows[t];
    ASSERT_TRUE(rows[400 + t].starts_with(second)) << rows[400 + t];
    ASSERT_EQ(rows[t].substr(first.size()), rows[400 + t].substr(second.size())) << t;
  }
  EXPECT_TRUE(rows[5].starts_with(first + R"("trial":5,)")) << rows[5];
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace revsim
