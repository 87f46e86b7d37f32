// `revsim sweep` in the library: a cartesian grid of parameter values, every point run on common
// random numbers (same seed and trial count, or each point to a precision target), one result
// per point. Formatting lives in report/: the wide CSV below (report/sweep_csv.cpp), the tidy
// CSV in tidy_csv.hpp (write_tidy_sweep_rows), the xlsx sheet in xlsx_report.hpp (add_sweep_rows).
#pragma once

#include "revsim/engine.hpp"
#include "revsim/precision.hpp"
#include "revsim/results.hpp"
#include "revsim/scenario.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace revsim {

/// Most values one --grid axis may have, and most points a whole grid may have.
inline constexpr std::size_t kMaxGridValues = 10000;
inline constexpr std::size_t kMaxGridPoints = 100000;

/// One --grid: the scenario key and its values, as text (an override's VALUE).
struct GridAxis {
  std::string spec;  ///< the --grid text as given, KEY=...
  std::string key;
  std::vector<std::string> values;
};

/// Parse KEY=START:STOP:STEP (inclusive; values printed with {:g}) or KEY=V1,V2,... (every value
/// a finite number, kept as written). Throws ScenarioError naming "--grid SPEC".
GridAxis parse_grid(const std::string& spec);

/// A grid, every point loaded and validated before anything runs.
struct SweepPlan {
  std::vector<GridAxis> axes;
  /// Per point, in run order (the last axis varies fastest): the value of each axis, axis order.
  std::vector<std::vector<std::string>> values;
  /// Per point: the base --set overrides, then one KEY=VALUE per axis (last axis first).
  std::vector<std::vector<std::string>> sets;
  std::vector<Scenario> scenarios;  ///< per point, loaded with `sets`

  std::vector<std::string> keys() const;
  std::size_t points() const { return scenarios.size(); }
};

/// Parse `grids`, form their cartesian product and load `scenario_file` at every point with
/// `base_sets` then the point's values. Throws ScenarioError: for an unusable --grid, a grid of
/// more than kMaxGridPoints points, or a point the loader refuses — when the refused override is
/// a grid value the message names it ("--grid SPEC: value V: ..."), otherwise the loader's error.
/// `first_loaded` (if set) sees the first point's scenario as soon as it is loaded (the CLI prints
/// its warnings there, once for the grid).
SweepPlan plan_sweep(const std::string& scenario_file, const std::vector<std::string>& base_sets,
                     const std::vector<std::string>& grids,
                     const std::function<void(const Scenario&)>& first_loaded = {});

/// One point's outcome.
struct SweepPoint {
  std::size_t index = 0;
  const std::vector<std::string>* values = nullptr;  ///< the plan's values of this point
  Results results;
};

/// Run every point of `plan` with `opt` (same seed and trials: common random numbers), or, with
/// `target`, each point until its standard error meets the target (run_to_precision). `on_point`
/// sees each point as it ends, in order; nothing is kept (a grid may be 100000 points). Throws
/// what run_simulation / run_to_precision throw. Under MPI (opt.comm with several ranks) the
/// points are spread over the ranks in rounds and `on_point` is called on rank 0 only, in the same
/// order with the same results (docs/scale-out.md, "Points over the ranks").
void run_sweep(const SweepPlan& plan, const RunOptions& opt, const std::optional<PrecisionTarget>& target,
               const std::function<void(const SweepPoint&)>& on_point);

/// Every point kept, in order (for the Python binding and tests); under MPI, on rank 0 only.
struct SweepResult {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;  ///< per point
  std::vector<Results> points;                   ///< per point
};
SweepResult run_sweep(const SweepPlan& plan, const RunOptions& opt,
                      const std::optional<PrecisionTarget>& target = std::nullopt);

/// The wide `sweep --format csv`: KEY...,[trials,]then per fiscal year
/// YEAR_mean,YEAR_p10,YEAR_p50,YEAR_p90,YEAR_p_threshold,YEAR_p_threshold_se,YEAR_p_alive,YEAR_p_listing,
/// then scenario,seed[,trials] (with precision each point's trials come second, after the keys).
void write_sweep_csv_header(std::ostream& os, const std::vector<std::string>& keys, const Scenario& first,
                            bool precision);
void write_sweep_csv_row(std::ostream& os, const Results& r, const std::vector<std::string>& values, bool precision);

}  // namespace revsim
