// What one trial produced (MODEL.md §6), apart from the engine that runs and summarises trials:
// the trial simulator (sim/model) writes it, the accumulators (sim/engine) read it.
#pragma once

#include "revsim/scenario.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace revsim {

/// Alive through fiscal year index `year` (no failure before the year's end, Scenario::year_end)
/// of a trial whose cash ran out in month `fail_month` (-1: never), when month 0 is calendar month
/// `start_month_in_year` (1-12): the first fiscal year may be partial. The one definition of
/// "alive through year y" (survival, listing, Sobol's p_alive, the sample export).
constexpr bool alive_through(int fail_month, int year, int start_month_in_year) noexcept {
  return fail_month < 0 || fail_month >= 12 * (year + 1) - (start_month_in_year - 1);
}

/// What one trial produced, per fiscal year and per named account. Public so that tests can
/// check one trial's flows (MODEL.md §6: channels sum to the total in every trial).
struct TrialOutcome {
  std::vector<double> revenue;         ///< [year * kChannels + channel], M RMB
  std::vector<double> entity_face;     ///< [entity * years + year]: the face-value pipeline (MODEL.md §8)
                                       ///< by entity: named accounts, government projects, ISV industries
  int fail_month = -1;                 ///< month the cash ran out, -1 if never
  std::uint32_t listing = 0;           ///< bit y: STAR standard 2 met in fiscal year y
  std::vector<double> account_revenue; ///< [named account], internet accounts then operators
  std::vector<int> account_first;      ///< [named account], month of first paid volume, -1 if none
  std::vector<double> largest_share;   ///< [year]: largest customer's share of the year's revenue (0: none)
  std::vector<double> top5_share;      ///< [year]: the five largest customers' share
  /// Only when the run records its inputs (--samples, Prepared::record_inputs); empty otherwise:
  std::vector<double> inputs;  ///< [input]: the value drawn for each uncertain per-trial key (NaN: not drawn)
  std::vector<double> cash;    ///< [year]: cash at the fiscal year's end, M RMB (NaN: failed before it)
  /// Calendar month (1-12) of month 0, the scenario's start_month_in_year: where fiscal years end.
  /// Set by TrialSimulator::run.
  int start_month_in_year = 1;

  /// Fiscal years simulated.
  int years() const noexcept { return static_cast<int>(largest_share.size()); }
  /// Alive through fiscal year index `year`: no failure before the end of the year.
  bool alive_through(int year) const noexcept { return revsim::alive_through(fail_month, year, start_month_in_year); }
  double year_total(int y) const {
    double t = 0;
    for (int c = 0; c < kChannels; ++c) t += revenue[static_cast<std::size_t>(y * kChannels + c)];
    return t;
  }
  /// Index of the first fiscal year whose revenue reaches `threshold`; years() if none does.
  int first_crossing(double threshold) const {
    int y = 0;
    while (y < years() && year_total(y) < threshold) ++y;
    return y;
  }
};

/// One trial with the shared state of MODEL.md §3 month by month (validation and debugging).
struct TrialTrace {
  TrialOutcome outcome;
  std::vector<double> tco_advantage;  ///< A(m)
  std::vector<double> maturity;       ///< M(m), the value used in month m
  std::vector<double> rate;           ///< engagement progress rate min(1, C / L_m)
};

}  // namespace revsim
