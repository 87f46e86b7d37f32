// Summary statistics with the conventions of MODEL.md §8.
#pragma once

#include <span>
#include <vector>

namespace revsim {

/// Quantile of sorted data by linear interpolation (Hyndman-Fan type 7, R's default).
double quantile_sorted(std::span<const double> sorted, double p);

/// The same value as quantile_sorted of the sorted data, by selection in O(n); reorders x.
double quantile_select(std::span<double> x, double p);

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
