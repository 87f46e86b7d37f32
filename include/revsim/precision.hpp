// Stop at a precision: add trials until the Monte Carlo standard error of a statistic is at or
// below a target (QuantLib's McSimulation::value(tolerance, maxSamples)). Deterministic: trial t
// is the same whatever the batch, so the same settings give the same trial count and results.
#pragma once

#include "revsim/engine.hpp"

#include <optional>
#include <string>

namespace revsim {

struct PrecisionTarget {
  std::string stat = "p_threshold";  ///< mean, p_threshold, p_listing or p_alive
  double se = 0.005;                 ///< target standard error
  std::optional<int> year;           ///< a fiscal year, or every year
  std::uint64_t first_trials = 10000;
  std::uint64_t max_trials = 10000000;
};

/// Standard error of `stat` in one year of `r`; throws std::invalid_argument for an unknown stat.
double standard_error(const Results& r, const YearStats& y, const std::string& stat);

/// The largest standard error of the target's statistic over the target's years.
double worst_standard_error(const Results& r, const PrecisionTarget& t);

/// The next trial count after a run of `trials` gave standard error `se` against target `t`:
/// N (se / target)^2, 10 % more, rounded up to a multiple of first_trials, at least doubling,
/// at most max_trials. Returns `trials` when the target holds or max_trials is reached.
std::uint64_t next_trials(std::uint64_t trials, double se, const PrecisionTarget& t);

/// Run batches until the target holds or max_trials is reached. Between runs the trial count
/// grows to the one the observed SE calls for (SE ~ 1/sqrt(N)), 10 % more, rounded up to a
/// multiple of first_trials, at least doubling. Results of the final run; its `trials` is the
/// count used.
Results run_to_precision(const Scenario& s, const RunOptions& opt, const PrecisionTarget& t);

}  // namespace revsim
