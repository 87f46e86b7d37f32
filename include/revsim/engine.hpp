// The parallel Monte Carlo engine: trials on oneTBB, reduced in a fixed order so that the
// results do not depend on the thread count (MODEL.md §6). Every run goes through one trial
// loop (sim/engine/trial_loop.hpp) feeding mergeable accumulators (sim/engine/accumulators.hpp).
#pragma once

#include "revsim/results.hpp"
#include "revsim/scenario.hpp"
#include "revsim/trial_outcome.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace revsim {

struct ScaleOut;
class Comm;  // sim/parallel/mpi_comm.hpp

/// What a run reports its progress to and is stopped through (RunOptions::monitor). The engine
/// calls add_trials once per finished block of trials (from any worker thread) and checks
/// stop_requested() before every trial: a relaxed load of an atomic the monitor owns, not a
/// virtual call, so the per-trial cost is one load. The monitor outlives the runs it watches.
class RunMonitor {
 public:
  RunMonitor() = default;
  RunMonitor(const RunMonitor&) = delete;
  RunMonitor& operator=(const RunMonitor&) = delete;
  virtual ~RunMonitor() = default;
  /// `n` more trials finished (a block's worth, times the scenarios of a compare). Called
  /// concurrently from the worker threads: keep it cheap and thread-safe. Default: nothing.
  virtual void add_trials(std::uint64_t n) { (void)n; }
  /// Ask the runs watched to stop: each stops within a trial or so and throws RunCancelled.
  /// From any thread, or a signal handler (a lock-free atomic store).
  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> stop_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "request_stop is called from signal handlers");
};

struct RunOptions {
  std::uint64_t trials = 0;  ///< 0: the scenario's
  std::uint64_t seed = 0;
  bool seed_set = false;     ///< use `seed` instead of the scenario's
  int threads = 0;           ///< 0: all cores
  /// When set: told of the trials as blocks finish, and asked before each trial whether to
  /// stop (then the run throws RunCancelled).
  RunMonitor* monitor = nullptr;
  /// Shard, merge, checkpoint or resume the trial loop (revsim/scale_out.hpp); nullptr: none.
  ScaleOut* scale = nullptr;
  /// When set and it has several ranks (mpirun -n N), the trials are split over the ranks in
  /// whole blocks and merged on rank 0 in block order; every rank then holds the merged state,
  /// so the results equal a one-process run's bit for bit (issue 16, docs/scale-out.md).
  const Comm* comm = nullptr;
};

/// A failure on one rank of a distributed run, thrown on every rank with the message of the
/// first rank that failed ("rank R: ..."), so that the ranks stop together and rank 0 says why.
class RankFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A run stopped through its RunMonitor (RunOptions::monitor) before it finished.
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

/// One trial with its month-by-month trace (TrialTrace: revsim/trial_outcome.hpp).
TrialTrace trace_trial(const Scenario& s, std::uint64_t seed, std::uint64_t trial);

/// Simulate trials [first, first + count) one after another on this thread (tests, tools).
std::vector<TrialOutcome> simulate_trials(const Scenario& s, std::uint64_t seed, std::uint64_t first,
                                          std::uint64_t count);

/// Bytes the engine keeps for `trials` trials of `s` when every sample is kept (exact
/// quantiles, compare, --samples).
std::uint64_t run_memory_bytes(const Scenario& s, std::uint64_t trials);
/// Largest run_memory_bytes a run that keeps its samples for --samples may take (docs/model.md, "Limits").
inline constexpr std::uint64_t kMaxRunBytes = 8ULL << 30U;
/// Above this many bytes of samples, run_simulation (and compare, per scenario) switches from
/// exact quantiles to the streaming estimator (LogHistogram): memory no longer grows with the
/// trial count.
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

/// A run that grows (--precision): run_to(n) adds trials [done, n) to the trials already run
/// (QuantLib's McSimulation::value) and summarises trials [0, n) — the same Results as
/// run_simulation with n trials (runtime aside: it counts every extension). Exact while n
/// trials fit in kMaxExactBytes; the first run_to past that restarts in streaming mode (the
/// exact state cannot become a streaming one), later ones continue it.
class Simulation {
 public:
  Simulation(const Scenario& s, const RunOptions& opt);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;
  Results run_to(std::uint64_t trials);
  std::uint64_t trials() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A run with its per-trial yearly totals kept, for --samples (common random numbers:
/// trial t of two scenarios shares every stream the two have in common).
struct RunOutput {
  Results results;
  std::vector<double> totals;          ///< [trial * years + year], M RMB
  std::vector<std::uint32_t> listing;  ///< [trial]: bit y set when STAR standard 2 is met in year y
  std::vector<double> revenue;         ///< [(trial * years + year) * kChannels + channel], M RMB
  std::vector<int> fail_month;         ///< [trial]: month the cash ran out, -1 if never
  /// The uncertain per-trial keys (list_parameters paths, the factors of Sobol), in file order.
  std::vector<std::string> input_names;
  std::vector<double> inputs;          ///< [trial * inputs + input]: the value drawn; NaN when the trial drew none
  std::vector<double> cash;            ///< [trial * years + year]: cash at the fiscal year's end, M RMB; NaN after a failure
};
/// Every trial kept, with the values it drew for the uncertain per-trial keys and its cash at
/// each fiscal year end (docs/model.md, "Sample export").
RunOutput run_with_samples(const Scenario& s, const RunOptions& opt);
/// Bytes run_with_samples keeps for `trials` trials of `s` (run_memory_bytes plus the inputs
/// and year-end cash); --samples refuses runs above kMaxRunBytes.
std::uint64_t samples_memory_bytes(const Scenario& s, std::uint64_t trials);

}  // namespace revsim
