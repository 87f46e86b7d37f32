// `revsim backtest`: history scenarios against what the companies filed (issue 12). Each
// scenario describes a company as it stood at the start of its first year and carries
// `actuals: {YEAR: revenue}`; the backtest places every actual in the simulated distribution of
// its year (PIT, P10-P90 and P5-P95 bands, CRPS) and pools the company-years.
#pragma once

#include "revsim/engine.hpp"
#include "revsim/results.hpp"
#include "revsim/scenario.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <array>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace revsim {

// ---- Scores of one observation against a sample ---------------------------------------

/// Mid-rank percentile of `a` among `sorted` (ascending): 100 (P(X < a) + P(X = a) / 2), the
/// convention of the forecast audit. O(log n).
double pit_percent(const std::vector<double>& sorted, double a);

/// CRPS of the empirical distribution of `sorted` (ascending) at `a`:
/// E|X - a| - 1/2 E|X - X'| with X, X' independent draws from the sample (both expectations
/// over all n and n^2 pairs: the CRPS of the empirical CDF, exact). O(n) on sorted samples.
double crps_sorted(const std::vector<double>& sorted, double a);

/// A binomial proportion with its Wilson score interval.
struct Coverage {
  std::uint64_t inside = 0;
  std::uint64_t n = 0;
  double nominal = 0;  ///< 0.8 for P10-P90, 0.9 for P5-P95
  double rate() const { return n > 0 ? static_cast<double>(inside) / static_cast<double>(n) : 0.0; }
  double lo = 0, hi = 0;  ///< Wilson score interval of rate() at `level`
  double level = 0.95;
  /// Whether the nominal coverage lies inside the interval.
  bool consistent() const { return n > 0 && nominal >= lo && nominal <= hi; }
};
/// Wilson score interval (95 % unless `level` is given) of k successes in n trials.
Coverage wilson(std::uint64_t k, std::uint64_t n, double nominal, double level = 0.95);

/// One actual against its simulated distribution.
struct Placement {
  double actual = 0;
  double pit = 0;  ///< percent, mid-rank
  double p5 = 0, p10 = 0, p25 = 0, p50 = 0, p75 = 0, p90 = 0, p95 = 0, mean = 0;
  bool in80 = false;  ///< P10 <= actual <= P90
  bool in90 = false;  ///< P5 <= actual <= P95
  double crps = 0;
  std::uint64_t samples = 0;  ///< sample size (top-5 share: trials with revenue that year)
};
/// Place `actual` in `samples` (any order; sorted in place).
Placement place(std::vector<double>& samples, double actual);

// ---- The backtest -----------------------------------------------------------------------

struct BacktestYear {
  int year = 0;
  Placement revenue;
  std::optional<Placement> top5;  ///< when actuals_top5_share gives the year
  /// Per channel (internet, carriers, government, isv) when actuals_channels gives the year.
  std::vector<std::pair<std::string, Placement>> channels;
};

struct BacktestCompany {
  std::string scenario;
  std::string source;  ///< file
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  /// Simulated revenue for every fiscal year of the scenario (fan chart), actual where given.
  std::vector<BacktestYear> years;  ///< only years with an actual
  std::vector<YearStats> fan;       ///< every fiscal year: year, mean, p5..p95 (other fields 0)
};

struct Backtest {
  std::vector<BacktestCompany> companies;
  Coverage band80, band90;          ///< revenue, all company-years
  double mean_crps = 0;             ///< revenue, M RMB
  double mean_crps_relative = 0;    ///< mean of CRPS / actual (actual > 0)
  Coverage top5_band80, top5_band90;  ///< top-5 share, where given
  double top5_mean_crps = 0;
  std::uint64_t top5_n = 0;
  /// PIT histogram: counts of revenue PITs in ten bins of 10 percentage points.
  std::array<std::uint64_t, 10> pit_bins{};
  Runtime runtime;
};

/// Simulate one scenario (its trials and seed unless `opt` overrides them; threads from `opt`)
/// and place its actuals. Throws std::invalid_argument when the scenario has no actuals.
BacktestCompany backtest_scenario(const Scenario& s, const RunOptions& opt);
/// Every scenario, then the pooled scores. Under MPI (opt.comm with several ranks) the companies
/// are spread over the ranks and every rank returns the same result (docs/scale-out.md).
Backtest backtest(const std::vector<Scenario>& scenarios, const RunOptions& opt);
/// Pooled scores of already placed companies (coverage, CRPS, PIT bins).
void pool(Backtest& b);

nlohmann::ordered_json to_json(const Backtest& b, bool with_runtime = true);
void write_table(std::ostream& os, const Backtest& b);

}  // namespace revsim
