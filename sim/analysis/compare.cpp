#include "revsim/compare.hpp"

#include "revsim/precision.hpp"
#include "revsim/report.hpp"
#include "revsim/stat.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <variant>

#include "../engine/trial_loop.hpp"

namespace revsim {

namespace {

/// First fiscal year whose listing bit is set, or a large number for never.
int first_listing(std::uint32_t bits) {
  for (int y = 0; y < 32; ++y)
    if ((bits >> static_cast<unsigned>(y)) & 1U) return y;
  return std::numeric_limits<int>::max();
}

/// The paired statistics of every scenario against the first from their exact samples (two
/// passes over the trials, as before the streaming tally existed).
void pair_exact(std::vector<ComparedScenario>& out, const std::vector<detail::ExactSamples>& each, std::size_t Y,
                double threshold) {
  const detail::ExactSamples& a = each.front();
  const std::size_t N = a.trials();
  const auto n = static_cast<double>(N);
  // Sample variance (n - 1) of one scenario's totals in year y, given their mean.
  auto variance = [&](const detail::ExactSamples& x, std::size_t y, double mean) {
    double ss = 0;
    for (std::size_t t = 0; t < N; ++t) ss += (x.total(t, y) - mean) * (x.total(t, y) - mean);
    return N > 1 ? ss / static_cast<double>(N - 1) : 0.0;
  };
  for (std::size_t k = 0; k < each.size(); ++k) {
    const detail::ExactSamples& b = each[k];
    ComparedScenario& cs = out[k];
    for (std::size_t y = 0; y < Y; ++y) {
      PairedYear& py = cs.years[y];
      double sum_d = 0, sum_i = 0;
      std::size_t greater = 0, less = 0;
      for (std::size_t t = 0; t < N; ++t) {
        const double rb = b.total(t, y), ra = a.total(t, y);
        sum_d += rb - ra;
        sum_i += static_cast<double>(rb >= threshold) - static_cast<double>(ra >= threshold);
        greater += rb > ra ? 1U : 0U;
        less += rb < ra ? 1U : 0U;
      }
      py.mean_diff = sum_d / n;
      py.p_threshold_diff = sum_i / n;
      double ss_d = 0, ss_i = 0;
      for (std::size_t t = 0; t < N; ++t) {
        const double rb = b.total(t, y), ra = a.total(t, y);
        const double d = rb - ra - py.mean_diff;
        const double i = static_cast<double>(rb >= threshold) - static_cast<double>(ra >= threshold) - py.p_threshold_diff;
        ss_d += d * d;
        ss_i += i * i;
      }
      py.se_paired = N > 1 ? std::sqrt(ss_d / (n - 1) / n) : 0.0;
      py.p_threshold_diff_se = N > 1 ? std::sqrt(ss_i / (n - 1) / n) : 0.0;
      const double var_a = variance(a, y, out.front().results.years[y].mean);
      const double var_b = variance(b, y, cs.results.years[y].mean);
      py.se_independent = std::sqrt(var_a / n + var_b / n);
      py.p_greater = static_cast<double>(greater) / n;
      py.p_baseline_greater = static_cast<double>(less) / n;
    }
    std::size_t before = 0, after = 0;
    for (std::size_t t = 0; t < N; ++t) {
      const int fb = first_listing(b.listing(t)), fa = first_listing(a.listing(t));
      before += fb < fa ? 1U : 0U;
      after += fa < fb ? 1U : 0U;
    }
    cs.p_lists_before_baseline = static_cast<double>(before) / n;
    cs.p_baseline_lists_before = static_cast<double>(after) / n;
  }
}

/// A comparison that grows (--precision adds trials to it): every scenario's trial t in one
/// loop, into exact samples per scenario while each fits in kMaxExactBytes (as `run` would keep
/// them), else into streaming tallies plus the paired tally, in memory independent of the trials.
class Comparer {
 public:
  /// keep_samples: exact samples whatever the trial count, with each trial's inputs and cash.
  Comparer(const std::vector<Scenario>& scenarios, const RunOptions& opt, bool keep_samples = false)
      : scenarios_(scenarios), labels_(distinct_labels(scenarios)), o_(opt), keep_(keep_samples) {
    if (scenarios.size() < 2) throw std::invalid_argument("compare needs at least two scenarios");
    const Scenario& base = scenarios.front();
    for (const Scenario& s : scenarios) {
      if (s.start_year != base.start_year || s.years != base.years || s.threshold != base.threshold)
        throw std::invalid_argument(fmt::format(
            "{}: start_year, years and threshold must match the baseline {} ({} {} {} vs {} {} {})", s.source,
            base.source, s.start_year, s.years, s.threshold, base.start_year, base.years, base.threshold));
    }
    if (o_.trials == 0) o_.trials = base.trials;  // one trial count for all: pairs need it
    if (!o_.seed_set) {
      o_.seed = base.seed;
      o_.seed_set = true;
    }
    std::vector<const detail::Prepared*> p;
    for (const Scenario& s : scenarios) {
      prepared_.push_back(std::make_unique<detail::Prepared>(s));
      if (keep_) prepared_.back()->record_inputs();
      dims_.push_back(std::make_unique<detail::Dims>(*prepared_.back()));
      p.push_back(prepared_.back().get());
    }
    src_ = std::make_unique<detail::ScenarioTrials>(std::move(p), o_.seed);
  }
  std::uint64_t first_trials() const noexcept { return o_.trials; }

  Comparison run_to(std::uint64_t n) {
    const Scenario& base = scenarios_.front();
    bool exact = true;
    for (const Scenario& s : scenarios_) exact = exact && (keep_ || exact_quantiles(s, n));
    using Exact = detail::CompareAccumulator<detail::ExactSamples>;
    using Streaming = detail::CompareAccumulator<detail::StreamingTally>;
    if (exact && (!std::holds_alternative<Exact>(acc_) || std::get<Exact>(acc_).trials() > n)) {
      std::vector<detail::ExactSamples> each;
      for (const auto& d : dims_) each.emplace_back(*d);
      acc_.emplace<Exact>(std::move(each), std::nullopt);
      seconds_ = 0;
    } else if (!exact && (!std::holds_alternative<Streaming>(acc_) || std::get<Streaming>(acc_).trials() > n)) {
      std::vector<detail::StreamingTally> each;
      for (const auto& d : dims_) each.emplace_back(*d);
      acc_.emplace<Streaming>(std::move(each), detail::PairedTally(scenarios_.size(), dims_.front()->Y, base.threshold));
      seconds_ = 0;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::visit(
        [&](auto& a) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(a)>, std::monostate>) {
            if constexpr (std::is_same_v<std::decay_t<decltype(a)>, Exact>)
              for (detail::ExactSamples& e : a.each()) e.reserve(n);
            detail::run_trials(*src_, a.trials(), n, a, o_);
          }
        },
        acc_);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int threads = detail::thread_count(o_);

    Comparison c;
    c.trials = n;
    c.quantiles = exact ? "exact" : "streaming";
    c.seed = o_.seed;
    c.threshold = base.threshold;
    const auto Y = static_cast<std::size_t>(base.years);
    for (std::size_t k = 0; k < scenarios_.size(); ++k) {
      ComparedScenario cs;
      cs.results = exact ? std::get<Exact>(acc_).each()[k].results(o_.seed, o_.monitor)
                         : std::get<Streaming>(acc_).each()[k].results(o_.seed);
      cs.results.runtime.seconds = seconds_;
      cs.results.runtime.trials_per_second = seconds_ > 0 ? static_cast<double>(n) / seconds_ : 0.0;
      cs.results.runtime.threads = threads;
      cs.results.scenario = labels_[k];  // distinct even when two scenarios share a name
      cs.scenario = cs.results.scenario;
      for (std::size_t y = 0; y < Y; ++y) {
        PairedYear py;
        const YearStats& ys = cs.results.years[y];
        py.year = ys.year;
        py.mean = ys.mean;
        py.p50 = ys.p50;
        py.p_threshold = ys.p_threshold;
        for (const auto& [when, p] : cs.results.first_crossing)
          if (when != "never" && std::stoi(when) <= py.year) py.p_reached_by += p;
        cs.years.push_back(py);
      }
      c.scenarios.push_back(std::move(cs));
    }
    if (exact) {
      pair_exact(c.scenarios, std::get<Exact>(acc_).each(), Y, base.threshold);
    } else {
      const Streaming& a = std::get<Streaming>(acc_);
      std::vector<std::vector<double>> variances;
      for (const detail::StreamingTally& t : a.each()) variances.push_back(t.variances());
      a.paired()->fill(c.scenarios, variances);
    }
    c.runtime.seconds = seconds_;
    c.runtime.trials_per_second =
        seconds_ > 0 ? static_cast<double>(n) * static_cast<double>(scenarios_.size()) / seconds_ : 0.0;
    c.runtime.threads = threads;
    return c;
  }

  /// The kept samples of every scenario (keep_samples), after run_to: c its comparison.
  std::vector<RunOutput> samples(const Comparison& c) const {
    const auto& each = std::get<detail::CompareAccumulator<detail::ExactSamples>>(acc_).each();
    std::vector<RunOutput> out;
    for (std::size_t k = 0; k < each.size(); ++k) out.push_back(detail::run_output(each[k], *prepared_[k], c.scenarios[k].results));
    return out;
  }

 private:
  const std::vector<Scenario>& scenarios_;
  std::vector<std::string> labels_;  ///< distinct_labels(scenarios_)
  RunOptions o_;
  bool keep_ = false;
  std::vector<std::unique_ptr<detail::Prepared>> prepared_;
  std::vector<std::unique_ptr<detail::Dims>> dims_;
  std::unique_ptr<detail::ScenarioTrials> src_;
  std::variant<std::monostate, detail::CompareAccumulator<detail::ExactSamples>,
               detail::CompareAccumulator<detail::StreamingTally>>
      acc_;
  double seconds_ = 0;
};

}  // namespace

std::vector<std::string> distinct_labels(const std::vector<Scenario>& scenarios) {
  const std::size_t n = scenarios.size();
  std::vector<std::string> label(n);
  for (std::size_t k = 0; k < n; ++k) label[k] = scenarios[k].name;
  const auto base = [](const std::string& source) { return source.substr(source.find_last_of('/') + 1); };
  // Scenarios that share a name: the file names when they differ, else the files as given,
  // else their places on the command line (the same file twice).
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<std::size_t> same;
    for (std::size_t j = 0; j < n; ++j)
      if (scenarios[j].name == scenarios[k].name) same.push_back(j);
    if (same.size() < 2 || same.front() != k) continue;
    const auto all_differ = [&](auto key) {
      for (std::size_t a = 0; a < same.size(); ++a)
        for (std::size_t b = a + 1; b < same.size(); ++b)
          if (key(scenarios[same[a]]) == key(scenarios[same[b]])) return false;
      return true;
    };
    for (std::size_t j : same) {
      const Scenario& s = scenarios[j];
      if (all_differ([&](const Scenario& x) { return base(x.source); }))
        label[j] = fmt::format("{} ({})", s.name, base(s.source));
      else if (all_differ([](const Scenario& x) { return x.source; }))
        label[j] = fmt::format("{} ({})", s.name, s.source);
      else
        label[j] = fmt::format("{} (#{})", s.name, j + 1);
    }
  }
  // A label made above may still equal another scenario's own name: then every one is numbered.
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t j = k + 1; j < n; ++j)
      if (label[j] == label[k]) {
        for (std::size_t i = 0; i < n; ++i) label[i] = fmt::format("{} (#{})", scenarios[i].name, i + 1);
        return label;
      }
  return label;
}

Comparison compare_scenarios(const std::vector<Scenario>& scenarios, const RunOptions& opt) {
  Comparer cmp(scenarios, opt);
  return cmp.run_to(cmp.first_trials());
}

ComparisonSamples compare_with_samples(const std::vector<Scenario>& scenarios, const RunOptions& opt) {
  Comparer cmp(scenarios, opt, true);
  ComparisonSamples out;
  out.comparison = cmp.run_to(cmp.first_trials());
  out.runs = cmp.samples(out.comparison);
  return out;
}

double worst_paired_se(const Comparison& c, const std::string& stat, std::optional<int> year) {
  const std::optional<StatKind> kind = parse_stat(stat);
  if (kind != StatKind::mean && kind != StatKind::p_threshold)
    throw std::invalid_argument(fmt::format("--stat {}: compare's --precision takes mean or p_threshold", stat));
  double worst = 0;
  bool found = false;
  for (std::size_t i = 1; i < c.scenarios.size(); ++i)
    for (const PairedYear& y : c.scenarios[i].years) {
      if (year && y.year != *year) continue;
      worst = std::max(worst, kind == StatKind::mean ? y.se_paired : y.p_threshold_diff_se);
      found = true;
    }
  if (!found) {
    if (year) throw std::invalid_argument(fmt::format("--year {}: not a fiscal year of the scenarios", *year));
    throw std::invalid_argument("compare's --precision needs a scenario besides the baseline");
  }
  return worst;
}

Comparison compare_to_precision(const std::vector<Scenario>& scenarios, const RunOptions& opt,
                                const PrecisionTarget& t) {
  if (!(t.se > 0)) throw std::invalid_argument("--precision: expected a standard error > 0");
  // Each round adds trials to the ones already run, as run_to_precision does.
  RunOptions o = opt;
  o.trials = std::min(t.first_trials, t.max_trials);
  Comparer cmp(scenarios, o);
  std::uint64_t n = cmp.first_trials();
  for (;;) {
    Comparison c = cmp.run_to(n);
    const std::uint64_t next = next_trials(n, worst_paired_se(c, t.stat, t.year), t);
    if (next == n) return c;
    n = next;
  }
}

nlohmann::ordered_json to_json(const Comparison& c, bool with_runtime) {
  using J = nlohmann::ordered_json;
  J j;
  j["trials"] = c.trials;
  j["seed"] = c.seed;
  j["threshold"] = c.threshold;
  j["baseline"] = c.scenarios.front().scenario;
  j["quantiles"] = c.quantiles;
  J list = J::array();
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    const ComparedScenario& s = c.scenarios[k];
    // The baseline against itself has no paired statistics: null (the tidy CSV has no such
    // rows, the workbook empty cells, Python NaN), not zeros and a meaningless se_independent.
    auto paired = [&](double v) { return k == 0 ? J(nullptr) : J(v); };
    J e;
    e["scenario"] = s.scenario;
    J years = J::array();
    for (const PairedYear& y : s.years) {
      years.push_back({{"year", y.year},
                       {"mean", y.mean},
                       {"p50", y.p50},
                       {"p_threshold", y.p_threshold},
                       {"p_reached_by", y.p_reached_by},
                       {"mean_diff", paired(y.mean_diff)},
                       {"se_paired", paired(y.se_paired)},
                       {"se_independent", paired(y.se_independent)},
                       {"p_threshold_diff", paired(y.p_threshold_diff)},
                       {"p_threshold_diff_se", paired(y.p_threshold_diff_se)},
                       {"p_greater", paired(y.p_greater)},
                       {"p_baseline_greater", paired(y.p_baseline_greater)}});
    }
    e["years"] = years;
    e["p_lists_before_baseline"] = paired(s.p_lists_before_baseline);
    e["p_baseline_lists_before"] = paired(s.p_baseline_lists_before);
    list.push_back(e);
  }
  j["scenarios"] = list;
  if (with_runtime)
    j["runtime"] = to_json(c.runtime);
  return j;
}

void write_table(std::ostream& os, const Comparison& c) {
  const ComparedScenario& base = c.scenarios.front();
  fmt::print(os, "revsim compare — {} trials, seed {}, common random numbers; baseline: {}\n", c.trials, c.seed,
             base.scenario);
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    const ComparedScenario& s = c.scenarios[k];
    fmt::print(os, "\n{}{}\n", s.scenario, k == 0 ? " (baseline)" : "");
    if (k == 0) {
      fmt::print(os, "  {:>6} {:>9} {:>9} {:>10} {:>10}\n", "year", "mean", "P50", "P(>=thr)", "reached by");
      for (const PairedYear& y : s.years)
        fmt::print(os, "  {:>6} {:>9.1f} {:>9.1f} {:>9.1f}% {:>9.1f}%\n", y.year, y.mean, y.p50, 100 * y.p_threshold,
                   100 * y.p_reached_by);
      continue;
    }
    fmt::print(os, "  {:>6} {:>9} {:>9} {:>10} {:>10}  {:>10} {:>10} {:>10}  {:>16}  {:>10}\n", "year", "mean", "P50",
               "P(>=thr)", "reached by", "Δmean", "se_paired", "se_indep", "ΔP(>=thr) ± se", "P(> base)");
    for (const PairedYear& y : s.years)
      fmt::print(os, "  {:>6} {:>9.1f} {:>9.1f} {:>9.1f}% {:>9.1f}%  {:>+10.2f} {:>10.3f} {:>10.3f}  {:>+8.2f}% ± {:.2f}%  {:>9.1f}%\n",
                 y.year, y.mean, y.p50, 100 * y.p_threshold, 100 * y.p_reached_by, y.mean_diff, y.se_paired,
                 y.se_independent, 100 * y.p_threshold_diff, 100 * y.p_threshold_diff_se, 100 * y.p_greater);
    fmt::print(os, "  P(lists before the baseline) {:.1f}%, P(baseline lists first) {:.1f}%\n",
               100 * s.p_lists_before_baseline, 100 * s.p_baseline_lists_before);
  }
  fmt::print(os, "\nP(>=thr): revenue at or above {:g} M RMB in that year; reached by: P(first crossing <= year), "
                 "the bar reached that year or before.\nP(> base): share of trials in which the scenario's revenue that "
                 "year beats the baseline's in the same trial (same luck).\n",
             c.threshold);
  if (c.quantiles == "streaming")
    fmt::print(os, "\n{}\n", kStreamingNote);
  fmt::print(os, "\nruntime: {:.2f} s, {:.0f} trials/s, {} thread{}\n", c.runtime.seconds, c.runtime.trials_per_second,
             c.runtime.threads, c.runtime.threads == 1 ? "" : "s");
}

}  // namespace revsim
