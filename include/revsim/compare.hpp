// `revsim compare`: strategies side by side on common random numbers (issue "Decision
// analysis", part 2). Trial t of every scenario shares the streams the scenarios have in common
// (market, company, copula, every entity with the same name), so differences are paired.
#pragma once

#include "revsim/engine.hpp"
#include "revsim/results.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <optional>
#include <ostream>
#include <vector>

namespace revsim {

/// One fiscal year of a scenario against the baseline (the first scenario).
struct PairedYear {
  int year = 0;
  double mean = 0, p50 = 0, p_threshold = 0;  ///< this scenario
  double p_reached_by = 0;  ///< P(first crossing <= year): revenue reached the threshold in this year or before
  double mean_diff = 0;       ///< E[R - R_baseline]
  double se_paired = 0;       ///< sd(R - R_baseline) / sqrt(N)
  double se_independent = 0;  ///< sqrt(var R / N + var R_baseline / N): what unpaired runs would give
  double p_threshold_diff = 0;     ///< P(R >= thr) - P(R_baseline >= thr)
  double p_threshold_diff_se = 0;  ///< its paired standard error
  double p_greater = 0;            ///< P(R > R_baseline)
  double p_baseline_greater = 0;   ///< P(R_baseline > R)
};

struct ComparedScenario {
  std::string scenario;
  std::vector<PairedYear> years;
  double p_lists_before_baseline = 0;  ///< P(this meets standard 2 in an earlier year than the baseline)
  double p_baseline_lists_before = 0;
  Results results;  ///< this scenario's own run (for the HTML report)
};

struct Comparison {
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  double threshold = 0;
  std::vector<ComparedScenario> scenarios;  ///< the first is the baseline
  /// "exact" while every scenario's samples fit in kMaxExactBytes (paired statistics from the
  /// kept samples, as `run` keeps them); above, "streaming": quantiles from LogHistogram and the
  /// paired statistics from a streaming tally, in memory independent of the trial count.
  std::string quantiles = "exact";
  Runtime runtime;
};

/// Run every scenario with the same seed and trial count and pair them with the first, trial by
/// trial in one loop (memory bounded whatever the trial count: see Comparison::quantiles).
/// Throws std::invalid_argument when the scenarios do not share start_year, years and threshold.
Comparison compare_scenarios(const std::vector<Scenario>& scenarios, const RunOptions& opt);

/// compare_scenarios keeping every trial of every scenario, with the values it drew and its
/// year-end cash (compare --samples): exact quantiles whatever the trial count (callers check
/// samples_memory_bytes against kMaxRunBytes), the same numbers as compare_scenarios when that
/// is exact. runs[k] is scenario k's; trial t of every run is the same trial index (common
/// random numbers), the index to pair on.
struct ComparisonSamples {
  Comparison comparison;
  std::vector<RunOutput> runs;
};
ComparisonSamples compare_with_samples(const std::vector<Scenario>& scenarios, const RunOptions& opt);

/// The largest paired standard error of `stat` (mean: se_paired of the mean difference;
/// p_threshold: p_threshold_diff_se) over the compared scenarios and `year` (none: every year).
/// Throws std::invalid_argument for another stat or a year outside the scenarios.
double worst_paired_se(const Comparison& c, const std::string& stat, std::optional<int> year);

struct PrecisionTarget;
/// compare_scenarios with trials added (as run_to_precision does) until worst_paired_se is at
/// most the target or max_trials is reached.
Comparison compare_to_precision(const std::vector<Scenario>& scenarios, const RunOptions& opt,
                                const PrecisionTarget& t);

/// The label of each scenario in a comparison (ComparedScenario::scenario, the JSON, CSV,
/// workbook and samples): its name, unless another scenario has the same name; those are told
/// apart by their file names ("base (a.yaml)", "base (b.yaml)"), else by their files as given
/// ("base (x/a.yaml)", "base (y/a.yaml)"), else by their places in the list ("base (#1)",
/// "base (#2)": the same file twice).
std::vector<std::string> distinct_labels(const std::vector<Scenario>& scenarios);

nlohmann::ordered_json to_json(const Comparison& c, bool with_runtime = true);
void write_table(std::ostream& os, const Comparison& c);

}  // namespace revsim
