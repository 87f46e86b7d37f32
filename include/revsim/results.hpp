// What a run answers (MODEL.md §5): plain data, filled by the engine, read by the reporters.
#pragma once

#include "revsim/scenario.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace revsim {

struct ChannelStats {
  double mean = 0;
  double p50 = 0;
  double p90 = 0;
  double share = 0;  ///< channel mean / total mean (0 when the total is 0)
};

struct YearStats {
  int year = 0;
  double mean = 0, sd = 0;
  double p5 = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p95 = 0;
  double p_threshold = 0;     ///< P(revenue >= threshold)
  double p_threshold_se = 0;  ///< sqrt(p (1 - p) / N)
  double p_alive = 0;         ///< P(no failure up to the end of the year)
  double p_listing = 0;       ///< P(all three STAR standard-2 tests pass)
  std::array<ChannelStats, kChannels> channels{};
};

struct AccountStats {
  std::string name;
  Channel channel = Channel::internet;
  double p_production = 0;  ///< P(at least one production or award delivery while alive)
  double mean_revenue = 0;  ///< over all trials
  std::optional<double> median_first_order_month;  ///< over trials that have one
};

struct ForecastYear {
  int year = 0;
  double forecast = 0;
  double percentile = 0;  ///< 100 (P(rev < f) + P(rev = f) / 2)
  double p_at_least = 0;  ///< P(rev >= f)
  double p10 = 0, p50 = 0, p90 = 0;
  double face_value = 0;  ///< mean face-value pipeline (MODEL.md §8)
  /// Its parts: named accounts, "government projects", "ISVs: <industry>", largest first.
  std::vector<std::pair<std::string, double>> face_by_entity;
  /// The entities, largest face value first, whose face value first covers forecast - P50:
  /// what the forecast is counting on.
  std::vector<std::string> carried_by() const {
    std::vector<std::string> names;
    double covered = 0;
    for (const auto& [name, v] : face_by_entity) {
      if (covered >= forecast - p50) break;
      names.push_back(name);
      covered += v;
    }
    return names;
  }
};

/// Revenue in one fiscal year binned for a histogram: trials with exactly 0, then `counts.size()`
/// equal bins over (0, hi], then the trials above hi.
struct Histogram {
  int year = 0;
  std::uint64_t zeros = 0;
  double hi = 0;  ///< upper edge of the last bin, M RMB (a round number >= P95 and >= 1.25 x threshold)
  std::vector<std::uint64_t> counts;
  std::uint64_t above = 0;
  double bin_width() const { return counts.empty() ? 0.0 : hi / static_cast<double>(counts.size()); }
};

/// How long the cash lasts (MODEL.md §5, v2): quantiles of the failure month over all trials,
/// survivors counted as failing after the horizon; nullopt where the quantile lies beyond it.
struct Runway {
  std::optional<double> p10, p50, p90;  ///< months from month 0 (real: type-7 interpolation)
  std::optional<double> alive_12, alive_24, alive_36;  ///< P(alive) at 12, 24, 36 months; nullopt past the horizon
};

/// Customer concentration in one fiscal year (MODEL.md §5, v2), over trials with revenue > 0.
struct ConcentrationYear {
  int year = 0;
  double largest_share = 0;        ///< mean share of the year's revenue of the largest customer
  double top5_share = 0;           ///< ... of the five largest
  double p_largest_over_half = 0;  ///< P(largest customer > 50 %)
  std::uint64_t trials = 0;        ///< trials with revenue > 0 that year
};

struct Runtime {
  double seconds = 0;
  double trials_per_second = 0;
  int threads = 1;
};

/// "YYYY-MM" of month index `m` (floored) when month 0 is calendar month `start_month` (1-12) of `start_year`.
inline std::string calendar_month(int start_year, int start_month, double m) {
  const int k = static_cast<int>(m) + start_month - 1;
  const int y = start_year + k / 12;
  const int mon = k % 12 + 1;
  return std::to_string(y) + (mon < 10 ? "-0" : "-") + std::to_string(mon);
}

/// Said under a table whose quantiles are streaming estimates (Results::quantiles).
inline constexpr const char* kStreamingNote =
    "Quantiles from the streaming estimator (too many trials to keep every sample; --samples keeps them): "
    "each within 0.79 % of exact (its 1/64-octave bin), exact at P0, P100 and a value many trials share at its bin's edge.";

struct Results {
  std::string scenario;
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  double threshold = 0;
  int start_year = 0;
  int start_month_in_year = 1;  ///< calendar month of month 0 (1-12)
  std::vector<YearStats> years;
  std::vector<std::pair<std::string, double>> first_crossing;  ///< "YEAR" -> p, then "never"
  std::vector<AccountStats> accounts;
  std::vector<ForecastYear> forecast_audit;
  std::vector<double> survival;       ///< [month]: P(alive at the end of month m), m = 0 .. H - 1
  Runway runway;
  std::vector<ConcentrationYear> concentration;  ///< one per fiscal year
  std::vector<Histogram> histograms;  ///< one per fiscal year
  /// "exact" (every sample kept), or "streaming": quantiles from a LogHistogram (estimated
  /// inside 1/64-octave bins from their exact edges; docs/performance.md), histograms rebinned
  /// from it.
  std::string quantiles = "exact";
  Runtime runtime;
};

}  // namespace revsim
