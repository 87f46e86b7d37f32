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
