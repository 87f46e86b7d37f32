// Summary statistics with the conventions of MODEL.md §8.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace revsim {

/// The one type-7 quantile (Hyndman-Fan, R's default): of n values whose order statistic of
/// 0-based rank r is at(r), the value at h = (n - 1) p interpolated linearly between ranks
/// floor(h) and floor(h) + 1 (rank floor(h) alone when h is whole); 0 when n = 0. Every quantile
/// of the library goes through it: sorted data, selection, counts per value, LogHistogram,
/// bootstrap percentiles.
template <class OrderStatistic>
double quantile_type7(std::uint64_t n, double p, OrderStatistic&& at) {
  if (n == 0) return 0.0;
  const double h = (static_cast<double>(n) - 1.0) * p;
  const auto lo = static_cast<std::uint64_t>(std::floor(h));
  const std::uint64_t hi = std::min(lo + 1, n - 1);
  const double a = at(lo);
  const double frac = h - static_cast<double>(lo);
  if (frac == 0) return a;
  return a + frac * (at(hi) - a);
}

/// Quantile of sorted data by linear interpolation (type 7).
double quantile_sorted(std::span<const double> sorted, double p);

/// The same value as quantile_sorted of the sorted data, by selection in O(n); reorders x.
double quantile_select(std::span<double> x, double p);

/// quantile_select at every p of ps into out (out.size() == ps.size()): the two order
/// statistics each quantile reads are selected once for all of them, O(n) in all; reorders x.
void quantiles_select(std::span<double> x, std::span<const double> ps, std::span<double> out);

/// Type-7 quantile of n integer-valued data given as counts per value (counts[v]: how many
/// equal v); ranks past the counts' total (data beyond the last value) stand for `beyond`.
double quantile_of_counts(std::span<const std::uint64_t> counts, std::uint64_t n, double p, double beyond);

/// The binomial standard error sqrt(p (1 - p) / n) of a proportion p over n trials.
inline double binomial_se(double p, double n) { return std::sqrt(p * (1.0 - p) / n); }

/// Sample mean and standard deviation (n - 1), summed in index order.
struct MeanSd {
  double mean = 0;
  double sd = 0;
};
MeanSd mean_sd(std::span<const double> x);

/// A round number >= x: 1, 2, 2.5 or 5 times a power of ten (1 for x <= 0); for chart and
/// histogram ranges.
double round_up_nice(double x);

/// 100 (P(x < f) + P(x = f) / 2) over sorted data.
double percentile_of(std::span<const double> sorted, double f);

}  // namespace revsim
