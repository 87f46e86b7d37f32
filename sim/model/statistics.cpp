#include "revsim/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace revsim {

double quantile_sorted(std::span<const double> sorted, double p) {
  return quantile_type7(sorted.size(), p, [&](std::uint64_t r) { return sorted[r]; });
}

double quantile_select(std::span<double> x, double p) {
  // The first rank asked for is floor(h): select it; the next one, x_(floor(h) + 1), is the
  // smallest element after it.
  std::size_t selected = x.size();
  return quantile_type7(x.size(), p, [&](std::uint64_t r) {
    const auto at = static_cast<std::ptrdiff_t>(r);
    if (selected == x.size()) {
      std::nth_element(x.begin(), x.begin() + at, x.end());
      selected = r;
      return x[r];
    }
    return r == selected ? x[r] : *std::min_element(x.begin() + at, x.end());
  });
}

double quantile_of_counts(std::span<const std::uint64_t> counts, std::uint64_t n, double p, double beyond) {
  return quantile_type7(n, p, [&](std::uint64_t r) {
    std::uint64_t seen = 0;
    for (std::size_t v = 0; v < counts.size(); ++v) {
      seen += counts[v];
      if (r < seen) return static_cast<double>(v);
    }
    return beyond;
  });
}

double round_up_nice(double x) {
  if (!(x > 0)) return 1.0;
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

MeanSd mean_sd(std::span<const double> x) {
  MeanSd r;
  if (x.empty()) return r;
  double sum = 0;
  for (double v : x) sum += v;
  r.mean = sum / static_cast<double>(x.size());
  if (x.size() < 2) return r;
  double ss = 0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
  return r;
}

double percentile_of(std::span<const double> sorted, double f) {
  if (sorted.empty()) return 0.0;
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), f);
  const auto hi = std::upper_bound(lo, sorted.end(), f);
  const auto n = static_cast<double>(sorted.size());
  return 100.0 * (static_cast<double>(lo - sorted.begin()) + 0.5 * static_cast<double>(hi - lo)) / n;
}

}  // namespace revsim
