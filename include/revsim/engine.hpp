// The parallel Monte Carlo engine: trials on oneTBB, reduced in a fixed order so that the
// results do not depend on the thread count (MODEL.md §6).
#pragma once

#include "revsim/results.hpp"
#include "revsim/scenario.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace revsim {

struct RunOptions {
  std::uint64_t trials = 0;  ///< 0: the scenario's
  std::uint64_t seed = 0;
  bool seed_set = false;     ///< use `seed` instead of the scenario's
  int threads = 0;           ///< 0: all cores
  /// When set and it becomes true, the run stops within a trial or so and throws RunCancelled.
  const std::atomic<bool>* stop = nullptr;
  /// When set, trials are added to it as blocks finish (a progress display reads it).
  std::atomic<std::uint64_t>* progress = nullptr;
};

/// A run stopped through RunOptions::stop before it finished.
class RunCancelled : public std::runtime_error {
 public:
  RunCancelled(std::uint64_t done, std::uint64_t total)
      : std::runtime_error("run cancelled"), done_(done), total_(total) {}
  std::uint64_t trials_done() const noexcept { return done_; }
  std::uint64_t trials_total() const noexcept { return total_; }

 private:
  std::uint64_t done_;
  std::uint64_t total_;
};

/// What one trial produced, per fiscal year and per named account. Public so that tests can
/// check one trial's flows (MODEL.md §6: channels sum to the total in every trial).
struct TrialOutcome {
  std::vector<double> revenue;         ///< [year * kChannels + channel], M RMB
  std::vector<double> entity_face;     ///< [entity * years + year]: the face-value pipeline (MODEL.md §8)
                                       ///< by entity: named accounts, government projects, ISV industries
  int fail_month = -1;                 ///< month the cash ran out, -1 if never
  std::uint32_t listing = 0;           ///< bit y: STAR standard 2 met in fiscal year y
  std::vector<double> account_revenue; ///< [named account], internet accounts then operators
  std::vector<int> account_first;      ///< [named account], month of first paid volume, -1 if none
  std::vector<double> largest_share;   ///< [year]: largest customer's share of the year's revenue (0: none)
  std::vector<double> top5_share;      ///< [year]: the five largest customers' share
  /// Alive at the start of month `end` (no failure before it): end = Scenario::year_end(y) asks
  /// "alive through fiscal year y".
  bool alive_through(int end) const noexcept { return fail_month < 0 || fail_month >= end; }
  double year_total(int y) const {
    double t = 0;
    for (int c = 0; c < kChannels; ++c) t += revenue[static_cast<std::size_t>(y * kChannels + c)];
    return t;
  }
};

/// One trial with the shared state of MODEL.md §3 month by month (validation and debugging).
struct TrialTrace {
  TrialOutcome outcome;
  std::vector<double> tco_advantage;  ///< A(m)
  std::vector<double> maturity;       ///< M(m), the value used in month m
  std::vector<double> rate;           ///< engagement progress rate min(1, C / L_m)
};
TrialTrace trace_trial(const Scenario& s, std::uint64_t seed, std::uint64_t trial);

/// Simulate trials [first, first + count) one after another on this thread (tests, tools).
std::vector<TrialOutcome> simulate_trials(const Scenario& s, std::uint64_t seed, std::uint64_t first,
                                          std::uint64_t count);

/// Bytes the engine keeps for `trials` trials of `s` when every sample is kept (exact
/// quantiles, compare, --samples).
std::uint64_t run_memory_bytes(const Scenario& s, std::uint64_t trials);
/// Largest run_memory_bytes a run that keeps its samples may take (docs/model.md, "Limits").
inline constexpr std::uint64_t kMaxRunBytes = 8ULL << 30U;
/// Above this many bytes of samples, run_simulation switches from exact quantiles to the
/// streaming estimator (LogHistogram): memory no longer grows with the trial count.
inline constexpr std::uint64_t kMaxExactBytes = 128ULL << 20U;
/// Whether run_simulation of `trials` trials of `s` uses exact quantiles.
inline bool exact_quantiles(const Scenario& s, std::uint64_t trials) {
  return run_memory_bytes(s, trials) <= kMaxExactBytes;
}

/// Run the whole simulation and summarise it: exact quantiles while the samples fit in
/// kMaxExactBytes, run_streaming above.
Results run_simulation(const Scenario& s, const RunOptions& opt);
/// The streaming summary whatever the trial count: memory independent of the trial count,
/// quantiles from LogHistogram (revsim/streaming.hpp), everything else exact; floating sums per
/// block of 16 384 trials merged in block order, so the result does not depend on the threads.
Results run_streaming(const Scenario& s, const RunOptions& opt);

/// A run with its per-trial yearly totals kept, for paired comparisons (common random numbers:
/// trial t of two scenarios shares every stream the two have in common).
struct RunOutput {
  Results results;
  std::vector<double> totals;          ///< [trial * years + year], M RMB
  std::vector<std::uint32_t> listing;  ///< [trial]: bit y set when STAR standard 2 is met in year y
  std::vector<double> revenue;         ///< [(trial * years + year) * kChannels + channel], M RMB
  std::vector<int> fail_month;         ///< [trial]: month the cash ran out, -1 if never
};
RunOutput run_with_samples(const Scenario& s, const RunOptions& opt);

}  // namespace revsim
