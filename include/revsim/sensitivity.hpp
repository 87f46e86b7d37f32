// `revsim sensitivity`: which parameter moves a statistic most (issue "Decision analysis",
// part 3, tornado and spider). Every parameter is set to its low and high value (P10 and P90 of
// its distribution; a constant +-20 %, kept in its valid range) and the scenario rerun on common
// random numbers; parameters are ranked by the swing of the statistic.
#pragma once

#include "revsim/engine.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <limits>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace revsim {

struct SensitivityRow {
  std::string parameter;  ///< --set path
  std::string given;      ///< as written in the scenario
  std::vector<double> levels;  ///< values tried: low, high (spider: 5 levels, low to high)
  std::vector<double> stats;   ///< the statistic at each level
  double swing = 0;            ///< |stat(high) - stat(low)|
  /// A whole-number key floored when drawn (floored_when_drawn): `levels` are the floored values run.
  bool floored = false;
  /// A constant's value as the model uses it (floored if `floored`); NaN for a distribution.
  double given_value = std::numeric_limits<double>::quiet_NaN();
};

/// The keys docs/model.md marks "(floored)" (max_slips, isvs): the model uses floor(draw).
bool floored_when_drawn(const std::string& path);

struct Sensitivity {
  std::string scenario;
  std::string stat;  ///< mean, p50, p_threshold, p_listing or p_alive
  int year = 0;
  double base = 0;   ///< the statistic with every parameter as given
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  std::vector<SensitivityRow> rows;  ///< largest swing first
};

/// The statistic `stat` of fiscal year `year` in `r`; throws std::invalid_argument if unknown.
double statistic(const Results& r, const std::string& stat, int year);

/// Tornado (2 levels) or spider (5 levels) over every parameter of the scenario at `path`
/// (after `sets`), of `stat` in fiscal `year` (none: the last). Throws ScenarioError for a bad
/// scenario, std::invalid_argument for a bad stat/year (both before anything runs). Under MPI
/// (opt.comm with several ranks) the levels are spread over the ranks and every rank returns the
/// same result (docs/scale-out.md, "Points over the ranks").
Sensitivity sensitivity(const std::string& path, const std::vector<std::string>& sets, const RunOptions& opt,
                        const std::string& stat, std::optional<int> year, bool spider);

nlohmann::ordered_json to_json(const Sensitivity& s);
void write_table(std::ostream& os, const Sensitivity& s, std::size_t top);

}  // namespace revsim
