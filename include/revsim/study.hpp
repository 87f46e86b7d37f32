// A Study (issue 15, part 1): what to analyse (scenarios, run options, precision target,
// analysis kind) run through one entry point, run_study. The command line's run, audit, report,
// compare, sweep, sensitivity and backtest build a Study from their flags, call run_study and
// format the result with report/; the trial-count rules, the memory policy and the precision
// orchestration (with its one "standard error" message) live here, not in the CLI.
#pragma once

#include "revsim/backtest.hpp"
#include "revsim/compare.hpp"
#include "revsim/engine.hpp"
#include "revsim/precision.hpp"
#include "revsim/results.hpp"
#include "revsim/scenario.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"
#include "revsim/sweep.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace revsim {

enum class AnalysisKind { run, compare, sweep, sensitivity, sobol, backtest };

/// A study refused before anything runs (the memory policy, a bad combination); the CLI reports
/// it as bad input (exit 2).
class StudyError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Where run_study reports how far it is and what a user should read (e.g. the standard error a
/// --precision run reached). begin/end bracket each simulating phase; between them the engine
/// calls add_trials once per block of trials, and a stop asked of the sink (request_stop, e.g.
/// on Ctrl-C) stops the study: it is the runs' RunMonitor (RunOptions::monitor).
class ProgressSink : public RunMonitor {
 public:
  /// A phase of `total` trials begins (0: not known in advance, as with a precision target).
  virtual void begin(std::uint64_t total) = 0;
  virtual void end() = 0;
  /// A message for the user (one line, no "revsim: " prefix, no newline).
  virtual void note(const std::string& text) = 0;
};

struct Study {
  AnalysisKind kind = AnalysisKind::run;
  /// The scenarios, loaded: run uses the first, compare all (the first is the baseline),
  /// backtest all; sensitivity and sobol the first (checks, precision base run).
  std::vector<Scenario> scenarios;
  /// sensitivity and sobol reload the scenario at `file` with `sets` for every level.
  std::string file;
  std::vector<std::string> sets;
  /// trials (0: each scenario's own), seed, threads, and a monitor to stop the study without a
  /// sink. With a sink, run_study makes the sink the monitor (a different one: StudyError).
  RunOptions options;
  std::optional<PrecisionTarget> precision;
  /// run and compare: keep every trial (for --samples); the memory policy applies (kMaxRunBytes).
  /// A compare then returns ComparisonSamples instead of Comparison.
  bool keep_samples = false;
  /// sensitivity / sobol: the statistic and fiscal year (none: the last).
  std::string stat = "p_threshold";
  std::optional<int> year;
  bool spider = false;
  int bootstrap = 1000;   ///< sobol
  double level = 0.95;    ///< sobol
  /// sweep: the plan (every point loaded) and what sees each point as it ends (nothing is kept).
  const SweepPlan* plan = nullptr;
  std::function<void(const SweepPoint&)> on_point;
};

/// A run: its results, and every trial when Study::keep_samples.
struct RunStudy {
  Results results;
  std::optional<RunOutput> samples;
};

/// A sweep streams its points to Study::on_point; what is left is for the manifest.
struct SweepSummary {
  std::size_t points = 0;
  std::uint64_t seed = 0;
  std::uint64_t trials = 0;  ///< the most any point ran
  int threads = 0;
};

/// What run_study returns, by kind: run RunStudy; compare Comparison, or with keep_samples
/// ComparisonSamples (after a precision target, the same trials again, kept); sweep SweepSummary;
/// sensitivity Sensitivity; sobol Sobol; backtest Backtest.
using StudyResult =
    std::variant<RunStudy, Comparison, SweepSummary, Sensitivity, Sobol, Backtest, ComparisonSamples>;

/// The trial count the memory policy budgets for: with a precision target the larger of
/// options.trials and max_trials (the most it may reach), else options.trials, else the first
/// scenario's `trials`.
std::uint64_t budget_trials(const Study& s);

/// The trials a progress display expects in the main phase: 0 with a precision target (not known
/// in advance), else per scenario (or sweep point) options.trials or its own `trials`, summed.
std::uint64_t planned_trials(const Study& s);

/// The memory policy: a study that keeps every sample (keep_samples) may take at most
/// kMaxRunBytes per scenario at budget_trials; above, StudyError saying how much it would need.
/// Everything else switches to streaming estimators and stays bounded.
void check_memory(const Study& s);

/// The one message of a precision run: "N trials[ per level]: [paired ]standard error of STAT
/// [difference ]SE[ as given] (meets the target T)" or "(misses, --max-trials reached: the target T)".
std::string precision_note(AnalysisKind kind, std::uint64_t trials, const PrecisionTarget& t, double se);
/// The words of a precision note whose target was missed (the one a quiet command line still says).
inline constexpr std::string_view kPrecisionMissed = "misses, --max-trials reached";

/// Run the study. Throws StudyError (refused), ScenarioError, std::invalid_argument (a bad
/// statistic or year), RunCancelled (a stop asked of the sink or options.monitor). `sink` (may be
/// null) sees the phases, the trial counts and the notes.
StudyResult run_study(const Study& study, ProgressSink* sink = nullptr);

}  // namespace revsim
