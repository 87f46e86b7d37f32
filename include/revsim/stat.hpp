// A typed statistic of one fiscal year: what --stat names, its value, its standard error and
// whether it is the mean of a per-trial 0/1 indicator. The one place a statistic's name is
// mapped to a number (sensitivity, precision, compare and Sobol ask here).
#pragma once

#include "revsim/results.hpp"

#include <optional>
#include <string_view>

namespace revsim {

enum class StatKind { mean, p50, p_threshold, p_listing, p_alive };

/// The kind --stat NAME names (mean, p50, p_threshold, p_listing, p_alive); nullopt otherwise.
std::optional<StatKind> parse_stat(std::string_view name);
/// The --stat spelling of `k`.
std::string_view stat_name(StatKind k);
/// Whether `k` is a probability, the mean of a per-trial 0/1 indicator (Sobol's quantity is then
/// that indicator; its standard error is binomial).
bool is_indicator(StatKind k);

struct Stat {
  StatKind kind = StatKind::mean;
  double value = 0;
  /// Monte Carlo standard error: sd / sqrt(N) for the mean, sqrt(p (1 - p) / N) for a
  /// probability; none for the median (p50).
  std::optional<double> se;
  bool indicator = false;  ///< is_indicator(kind)
};

/// Statistic `k` of year `y` of `r` (r.trials trials).
Stat year_stat(const Results& r, const YearStats& y, StatKind k);

}  // namespace revsim
