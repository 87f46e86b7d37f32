#include "revsim/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace revsim {

double quantile_sorted(std::span<const double> sorted, double p) {
  if (sorted.empty()) return 0.0;
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double quantile_select(std::span<double> x, double p) {
  if (x.empty()) return 0.0;
  const double h = (static_cast<double>(x.size()) - 1.0) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(lo), x.end());
  const double a = x[lo];
  // x_(hi) is the smallest element after position lo (or x_(lo) itself when hi == lo).
  const double b = hi == lo ? a : *std::min_element(x.begin() + static_cast<std::ptrdiff_t>(hi), x.end());
  return a + (h - static_cast<double>(lo)) * (b - a);
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
