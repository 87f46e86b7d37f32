#include "revsim/compare.hpp"

#include "revsim/precision.hpp"
#include "revsim/report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace revsim {

namespace {

/// First fiscal year whose listing bit is set, or a large number for never.
int first_listing(std::uint32_t bits) {
  for (int y = 0; y < 32; ++y)
    if ((bits >> static_cast<unsigned>(y)) & 1U) return y;
  return std::numeric_limits<int>::max();
}

/// Sample variance (n - 1) of x[t * stride + offset], t = 0..n-1, given its mean.
double variance(const std::vector<double>& x, std::size_t n, std::size_t stride, std::size_t offset, double mean) {
  double ss = 0;
  for (std::size_t t = 0; t < n; ++t) ss += (x[t * stride + offset] - mean) * (x[t * stride + offset] - mean);
  return n > 1 ? ss / static_cast<double>(n - 1) : 0.0;
}

}  // namespace

Comparison compare_scenarios(const std::vector<Scenario>& scenarios, const RunOptions& opt) {
  if (scenarios.size() < 2) throw std::invalid_argument("compare needs at least two scenarios");
  const Scenario& base = scenarios.front();
  for (const Scenario& s : scenarios) {
    if (s.start_year != base.start_year || s.years != base.years || s.threshold != base.threshold)
      throw std::invalid_argument(fmt::format(
          "{}: start_year, years and threshold must match the baseline {} ({} {} {} vs {} {} {})", s.source,
          base.source, s.start_year, s.years, s.threshold, base.start_year, base.years, base.threshold));
  }
  RunOptions o = opt;
  if (o.trials == 0) o.trials = base.trials;  // one trial count for all: pairs need it
  if (!o.seed_set) {
    o.seed = base.seed;
    o.seed_set = true;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<RunOutput> runs;
  runs.reserve(scenarios.size());
  for (const Scenario& s : scenarios) runs.push_back(run_with_samples(s, o));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const std::size_t N = o.trials;
  const auto Y = static_cast<std::size_t>(base.years);
  const double n = static_cast<double>(N);
  Comparison c;
  c.trials = N;
  c.seed = o.seed;
  c.threshold = base.threshold;
  const RunOutput& a = runs.front();
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const RunOutput& b = runs[k];
    ComparedScenario cs;
    cs.scenario = b.results.scenario;
    cs.results = b.results;
    for (std::size_t y = 0; y < Y; ++y) {
      PairedYear py;
      const YearStats& ys = b.results.years[y];
      py.year = ys.year;
      py.mean = ys.mean;
      py.p50 = ys.p50;
      py.p_threshold = ys.p_threshold;
      for (const auto& [when, p] : b.results.first_crossing)
        if (when != "never" && std::stoi(when) <= py.year) py.p_reached_by += p;
      double sum_d = 0, sum_i = 0;
      std::size_t greater = 0, less = 0;
      for (std::size_t t = 0; t < N; ++t) {
        const double rb = b.totals[t * Y + y], ra = a.totals[t * Y + y];
        sum_d += rb - ra;
        sum_i += static_cast<double>(rb >= c.threshold) - static_cast<double>(ra >= c.threshold);
        greater += rb > ra ? 1U : 0U;
        less += rb < ra ? 1U : 0U;
      }
      py.mean_diff = sum_d / n;
      py.p_threshold_diff = sum_i / n;
      double ss_d = 0, ss_i = 0;
      for (std::size_t t = 0; t < N; ++t) {
        const double rb = b.totals[t * Y + y], ra = a.totals[t * Y + y];
        const double d = rb - ra - py.mean_diff;
        const double i = static_cast<double>(rb >= c.threshold) - static_cast<double>(ra >= c.threshold) -
                         py.p_threshold_diff;
        ss_d += d * d;
        ss_i += i * i;
      }
      py.se_paired = N > 1 ? std::sqrt(ss_d / (n - 1) / n) : 0.0;
      py.p_threshold_diff_se = N > 1 ? std::sqrt(ss_i / (n - 1) / n) : 0.0;
      const double var_a = variance(a.totals, N, Y, y, a.results.years[y].mean);
      const double var_b = variance(b.totals, N, Y, y, ys.mean);
      py.se_independent = std::sqrt(var_a / n + var_b / n);
      py.p_greater = static_cast<double>(greater) / n;
      py.p_baseline_greater = static_cast<double>(less) / n;
      cs.years.push_back(py);
    }
    std::size_t before = 0, after = 0;
    for (std::size_t t = 0; t < N; ++t) {
      const int fb = first_listing(b.listing[t]), fa = first_listing(a.listing[t]);
      before += fb < fa ? 1U : 0U;
      after += fa < fb ? 1U : 0U;
    }
    cs.p_lists_before_baseline = static_cast<double>(before) / n;
    cs.p_baseline_lists_before = static_cast<double>(after) / n;
    c.scenarios.push_back(std::move(cs));
  }
  c.runtime.seconds = seconds;
  c.runtime.trials_per_second = seconds > 0 ? n * static_cast<double>(runs.size()) / seconds : 0.0;
  c.runtime.threads = runs.front().results.runtime.threads;
  return c;
}

double worst_paired_se(const Comparison& c, const std::string& stat, int year) {
  if (stat != "mean" && stat != "p_threshold")
    throw std::invalid_argument(fmt::format("--stat {}: compare's --precision takes mean or p_threshold", stat));
  double worst = 0;
  bool found = false;
  for (std::size_t i = 1; i < c.scenarios.size(); ++i)
    for (const PairedYear& y : c.scenarios[i].years) {
      if (year != 0 && y.year != year) continue;
      worst = std::max(worst, stat == "mean" ? y.se_paired : y.p_threshold_diff_se);
      found = true;
    }
  if (!found) throw std::invalid_argument(fmt::format("--year {}: not a fiscal year of the scenarios", year));
  return worst;
}

Comparison compare_to_precision(const std::vector<Scenario>& scenarios, const RunOptions& opt,
                                const PrecisionTarget& t) {
  if (!(t.se > 0)) throw std::invalid_argument("--precision: expected a standard error > 0");
  RunOptions o = opt;
  o.trials = std::min(t.first_trials, t.max_trials);
  for (;;) {
    Comparison c = compare_scenarios(scenarios, o);
    const std::uint64_t next = next_trials(o.trials, worst_paired_se(c, t.stat, t.year.value_or(0)), t);
    if (next == o.trials) return c;
    o.trials = next;
  }
}

nlohmann::ordered_json to_json(const Comparison& c, bool with_runtime) {
  using J = nlohmann::ordered_json;
  J j;
  j["trials"] = c.trials;
  j["seed"] = c.seed;
  j["threshold"] = c.threshold;
  j["baseline"] = c.scenarios.front().scenario;
  J list = J::array();
  for (const ComparedScenario& s : c.scenarios) {
    J e;
    e["scenario"] = s.scenario;
    J years = J::array();
    for (const PairedYear& y : s.years) {
      years.push_back({{"year", y.year},
                       {"mean", y.mean},
                       {"p50", y.p50},
                       {"p_threshold", y.p_threshold},
                       {"p_reached_by", y.p_reached_by},
                       {"mean_diff", y.mean_diff},
                       {"se_paired", y.se_paired},
                       {"se_independent", y.se_independent},
                       {"p_threshold_diff", y.p_threshold_diff},
                       {"p_threshold_diff_se", y.p_threshold_diff_se},
                       {"p_greater", y.p_greater},
                       {"p_baseline_greater", y.p_baseline_greater}});
    }
    e["years"] = years;
    e["p_lists_before_baseline"] = s.p_lists_before_baseline;
    e["p_baseline_lists_before"] = s.p_baseline_lists_before;
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
  fmt::print(os, "\nruntime: {:.2f} s, {:.0f} trials/s, {} threads\n", c.runtime.seconds, c.runtime.trials_per_second,
             c.runtime.threads);
}

}  // namespace revsim
