// run_study: one entry point for every analysis (include/revsim/study.hpp).
#include "revsim/study.hpp"

#include "revsim/scenario_io.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace revsim {

namespace {

const Scenario& first_scenario(const Study& s) {
  if (s.kind == AnalysisKind::sweep) {
    if (s.plan == nullptr || s.plan->scenarios.empty()) throw StudyError("a sweep study needs a plan with a point");
    return s.plan->scenarios.front();
  }
  if (s.scenarios.empty()) throw StudyError("a study needs a scenario");
  return s.scenarios.front();
}

std::uint64_t trials_of(const Study& s, const Scenario& sc) { return s.options.trials > 0 ? s.options.trials : sc.trials; }

/// Brackets a phase on the sink (begin / end, also when the phase throws) and makes the sink
/// the run options' monitor.
class Phase {
 public:
  Phase(ProgressSink* sink, std::uint64_t total, RunOptions& o) : sink_(sink) {
    if (sink_ == nullptr) return;
    o.monitor = sink_;
    sink_->begin(total);
  }
  Phase(const Phase&) = delete;
  Phase& operator=(const Phase&) = delete;
  ~Phase() {
    if (sink_ != nullptr) sink_->end();
  }

 private:
  ProgressSink* sink_;
};

void note(ProgressSink* sink, const std::string& text) {
  if (sink != nullptr) sink->note(text);
}

RunStudy run_one(const Study& st, ProgressSink* sink) {
  const Scenario& s = first_scenario(st);
  RunOptions opt = st.options;
  RunStudy out;
  Phase phase(sink, planned_trials(st), opt);
  if (st.precision) {
    out.results = run_to_precision(s, opt, *st.precision);
    note(sink, precision_note(AnalysisKind::run, out.results.trials, *st.precision,
                              worst_standard_error(out.results, *st.precision)));
    if (st.keep_samples) {  // the same trials again, keeping them: identical results
      RunOptions o = opt;
      o.trials = out.results.trials;
      out.samples = run_with_samples(s, o);
    }
  } else if (st.keep_samples) {
    out.samples = run_with_samples(s, opt);
    out.results = out.samples->results;
  } else {
    out.results = run_simulation(s, opt);
  }
  return out;
}

StudyResult run_compare(const Study& st, ProgressSink* sink) {
  RunOptions opt = st.options;
  Phase phase(sink, planned_trials(st), opt);
  if (!st.precision) {
    if (st.keep_samples) return compare_with_samples(st.scenarios, opt);
    return compare_scenarios(st.scenarios, opt);
  }
  Comparison c = compare_to_precision(st.scenarios, opt, *st.precision);
  note(sink, precision_note(AnalysisKind::compare, c.trials, *st.precision,
                            worst_paired_se(c, st.precision->stat, st.precision->year)));
  if (!st.keep_samples) return c;
  // The trials the target needed again, every one kept (as a run keeps them): the same numbers.
  opt.trials = c.trials;
  opt.seed = c.seed;
  opt.seed_set = true;
  return compare_with_samples(st.scenarios, opt);
}

Sensitivity run_sensitivity(const Study& st, ProgressSink* sink) {
  const Scenario& s = first_scenario(st);
  RunOptions opt = st.options;
  Phase phase(sink, planned_trials(st), opt);
  if (st.precision) {
    // Every level runs the trial count the scenario as given needs for the target.
    if (st.precision->stat == "p50") throw std::invalid_argument("--precision: p50 has no standard error here; use mean");
    PrecisionTarget target = *st.precision;
    if (!target.year) target.year = s.start_year + s.years - 1;
    const Results base = run_to_precision(s, opt, target);
    note(sink, precision_note(AnalysisKind::sensitivity, base.trials, target, worst_standard_error(base, target)));
    opt.trials = base.trials;
  }
  return sensitivity(st.file, st.sets, opt, st.stat, st.year, st.spider);
}

Sobol run_sobol(const Study& st, ProgressSink* sink) {
  if (st.spider) throw StudyError("--sobol and --spider are different analyses; give one");
  if (st.precision)
    throw StudyError("--precision applies to the tornado; with --sobol give the base rows with --trials and read the "
                     "bootstrap intervals");
  RunOptions opt = st.options;
  Phase phase(sink, planned_trials(st), opt);
  return sobol(st.file, st.sets, opt, st.stat, st.year, st.bootstrap, st.level);
}

SweepSummary run_sweep_study(const Study& st, ProgressSink* sink) {
  (void)first_scenario(st);
  RunOptions opt = st.options;
  SweepSummary sum;
  sum.points = st.plan->points();
  Phase phase(sink, planned_trials(st), opt);
  run_sweep(*st.plan, opt, st.precision, [&](const SweepPoint& p) {
    sum.seed = p.results.seed;
    sum.trials = std::max(sum.trials, p.results.trials);
    sum.threads = p.results.runtime.threads;
    if (st.on_point) st.on_point(p);
  });
  return sum;
}

Backtest run_backtest(const Study& st, ProgressSink* sink) {
  (void)first_scenario(st);
  RunOptions opt = st.options;
  Phase phase(sink, planned_trials(st), opt);
  return backtest(st.scenarios, opt);
}

}  // namespace

std::uint64_t budget_trials(const Study& s) {
  if (s.precision) return std::max(s.options.trials, s.precision->max_trials);
  return trials_of(s, first_scenario(s));
}

std::uint64_t planned_trials(const Study& s) {
  if (s.precision) return 0;
  const Scenario& first = first_scenario(s);
  switch (s.kind) {
    case AnalysisKind::run: return trials_of(s, first);
    case AnalysisKind::compare: return s.scenarios.size() * trials_of(s, first);
    case AnalysisKind::sweep: return s.plan->points() * trials_of(s, first);
    case AnalysisKind::backtest: {
      std::uint64_t total = 0;
      for (const Scenario& sc : s.scenarios) total += trials_of(s, sc);
      return total;
    }
    case AnalysisKind::sensitivity: {
      // The scenario as given, then every parameter at each of its levels (sensitivity()).
      const std::uint64_t n = s.options.trials > 0 ? s.options.trials : std::min<std::uint64_t>(first.trials, 10000);
      return (1 + (s.spider ? 5 : 2) * list_parameters(first).size()) * n;
    }
    case AnalysisKind::sobol: return 0;  // N (factors + 2): the factors are known once sobol() has looked
  }
  return 0;
}

void check_memory(const Study& s) {
  if (!s.keep_samples) return;
  const std::uint64_t trials = budget_trials(s);
  // Every sample kept, with the drawn inputs and year-end cash; on compare, of every scenario at
  // once. Everything else (compare too) switches to streaming estimators and stays bounded.
  std::uint64_t bytes = 0;
  for (const Scenario& sc : s.scenarios) bytes += samples_memory_bytes(sc, trials);
  if (bytes > kMaxRunBytes) {
    const std::string what =
        s.scenarios.size() == 1 ? s.scenarios.front().source : fmt::format("{} scenarios", s.scenarios.size());
    throw StudyError(fmt::format("{} trials of {} need {:.1f} GiB to keep every sample (--samples writes them); the "
                                 "limit is {} GiB (use fewer trials)",
                                 trials, what, static_cast<double>(bytes) / (1U << 30U), kMaxRunBytes >> 30U));
  }
}

std::string precision_note(AnalysisKind kind, std::uint64_t trials, const PrecisionTarget& t, double se) {
  const std::string verdict =
      fmt::format("{} the target {:g}", se <= t.se ? std::string("meets") : fmt::format("{}:", kPrecisionMissed), t.se);
  if (kind == AnalysisKind::compare)
    return fmt::format("{} trials: paired standard error of the {} difference {:.3g} ({})", trials, t.stat, se, verdict);
  if (kind == AnalysisKind::sensitivity)
    return fmt::format("{} trials per level: standard error of {} {:.3g} as given ({})", trials, t.stat, se, verdict);
  return fmt::format("{} trials: standard error of {} {:.3g} ({})", trials, t.stat, se, verdict);
}

StudyResult run_study(const Study& study, ProgressSink* sink) {
  if (sink != nullptr && study.options.monitor != nullptr && study.options.monitor != sink)
    throw StudyError("run_study: options.monitor and the sink differ; the sink is the monitor (give it once)");
  check_memory(study);
  switch (study.kind) {
    case AnalysisKind::run: return run_one(study, sink);
    case AnalysisKind::compare: return run_compare(study, sink);
    case AnalysisKind::sweep: return run_sweep_study(study, sink);
    case AnalysisKind::sensitivity: return run_sensitivity(study, sink);
    case AnalysisKind::sobol: return run_sobol(study, sink);
    case AnalysisKind::backtest: return run_backtest(study, sink);
  }
  throw StudyError("unknown analysis");
}

}  // namespace revsim
