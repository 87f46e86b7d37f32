// `revsim sensitivity --sobol`: variance-based sensitivity indices (issue "Decision analysis",
// part 3). The estimator is generic (tested on the Ishigami function); sobol() applies it to a
// scenario, with every uncertain parameter drawn once per trial as a factor and all the other
// randomness of a trial ("luck") as one more factor.
#pragma once

#include "revsim/engine.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <cstdint>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace revsim {

/// First-order and total indices of k factors with percentile-bootstrap intervals.
struct SobolIndices {
  double mean = 0;      ///< of f over the 2N rows of A and B
  double variance = 0;  ///< of f over the 2N rows of A and B (population)
  std::vector<double> first, first_lo, first_hi;
  std::vector<double> total, total_lo, total_hi;
};

/// Saltelli et al. (2010) first-order and Jansen (1999) total estimators from the radial design:
/// fA[j] = f(A_j), fB[j] = f(B_j), fAB[i][j] = f(A_j with factor i taken from B_j):
///   S_i  = mean_j (fB[j] - f0) (fAB[i][j] - fA[j]) / V,   S_Ti = mean_j (fA[j] - fAB[i][j])^2 / (2 V),
/// f0 and V the mean and variance of f over A and B together (centring fB, as SALib does,
/// leaves the expectation alone and cuts the variance when |f0| is large). Intervals: `bootstrap` resamples of the rows j
/// (drawn from `seed`), the (1 - level)/2 and (1 + level)/2 percentiles. When V = 0 the indices
/// are NaN (nothing to apportion). Throws std::invalid_argument on mismatched sizes or N < 2.
SobolIndices sobol_indices(const std::vector<double>& fA, const std::vector<double>& fB,
                           const std::vector<std::vector<double>>& fAB, int bootstrap, double level,
                           std::uint64_t seed);

struct SobolFactor {
  std::string name;   ///< --set path, or "(luck)"
  std::string given;  ///< the distribution as written
  double first = 0, first_lo = 0, first_hi = 0;
  double total = 0, total_lo = 0, total_hi = 0;
  /// The total index can be told apart from zero: its interval's lower end is above 0 (without
  /// bootstrap: the estimate is). Only these are ranked.
  bool nonzero = true;
  int rank = 0;  ///< 1 = largest total index; 0 = not ranked (zero-like, or luck)
};

/// Below this total index a parameter does not explain a meaningful share of the variance.
inline constexpr double kSobolMeaningful = 0.01;

struct Sobol {
  std::string scenario;
  std::string stat;      ///< mean, p50, p_threshold, p_listing or p_alive
  std::string quantity;  ///< what f is per trial, e.g. "revenue in 2025 (M RMB)"
  int year = 0;
  std::uint64_t base_rows = 0;    ///< N
  std::uint64_t evaluations = 0;  ///< N (k + 2) trials
  std::uint64_t seed = 0;
  int bootstrap = 0;
  double level = 0.95;
  double mean = 0;
  double variance = 0;
  std::vector<SobolFactor> factors;      ///< ranked ones by total index, then the zero-like ones, luck last
  std::string note;                      ///< when no parameter explains a meaningful share: that, in one sentence
  std::vector<std::string> within_trial; ///< uncertain parameters drawn per project/ISV/release (part of luck)
};

/// Sobol indices of the per-trial quantity behind `stat` in fiscal `year` (none: the last) of the
/// scenario at `path` (after `sets`): revenue for mean and p50, the indicator of revenue >=
/// threshold, of listing, of being alive at the year's end for the others. opt.trials is N
/// (0: min(scenario trials, 4096)). Deterministic for any thread count. Throws ScenarioError,
/// std::invalid_argument (bad stat/year/no factor), RunCancelled.
Sobol sobol(const std::string& path, const std::vector<std::string>& sets, const RunOptions& opt,
            const std::string& stat, std::optional<int> year, int bootstrap, double level);

nlohmann::ordered_json to_json(const Sobol& s);
void write_table(std::ostream& os, const Sobol& s);

}  // namespace revsim
