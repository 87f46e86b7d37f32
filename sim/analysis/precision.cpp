#include "revsim/precision.hpp"

#include "revsim/stat.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace revsim {

double standard_error(const Results& r, const YearStats& y, const std::string& stat) {
  const std::optional<StatKind> k = parse_stat(stat);
  if (k && *k != StatKind::p50) return *year_stat(r, y, *k).se;
  throw std::invalid_argument(fmt::format("--stat {}: expected mean, p_threshold, p_listing or p_alive", stat));
}

double worst_standard_error(const Results& r, const PrecisionTarget& t) {
  double worst = 0;
  bool found = false;
  for (const YearStats& y : r.years) {
    if (t.year && y.year != *t.year) continue;
    worst = std::max(worst, standard_error(r, y, t.stat));
    found = true;
  }
  if (!found) throw std::invalid_argument(fmt::format("--year {}: not a fiscal year of the scenario", *t.year));
  return worst;
}

std::uint64_t next_trials(std::uint64_t trials, double se, const PrecisionTarget& t) {
  if (se <= t.se || trials >= t.max_trials) return trials;
  // SE ~ 1/sqrt(N): N' = N (se / target)^2, with 10 % margin, at least double, whole batches.
  const double want = static_cast<double>(trials) * (se / t.se) * (se / t.se) * 1.1;
  const auto batches = static_cast<std::uint64_t>(std::ceil(want / static_cast<double>(t.first_trials)));
  return std::min(t.max_trials, std::max(2 * trials, batches * t.first_trials));
}

Results run_to_precision(const Scenario& s, const RunOptions& opt, const PrecisionTarget& t) {
  if (!(t.se > 0)) throw std::invalid_argument("--precision: expected a standard error > 0");
  // Each round adds trials to the ones already run (trials N..N'), as QuantLib's
  // McSimulation::value does; the results of N' trials are those of a plain run of N'.
  Simulation sim(s, opt);
  std::uint64_t n = std::min(t.first_trials, t.max_trials);
  for (;;) {
    Results r = sim.run_to(n);
    const std::uint64_t next = next_trials(n, worst_standard_error(r, t), t);
    if (next == n) return r;
    n = next;
  }
}

}  // namespace revsim
