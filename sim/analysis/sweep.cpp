// `revsim sweep` in the library: --grid grammar, cartesian product, validation of every point
// before the first run, the runs on common random numbers (include/revsim/sweep.hpp).
#include "revsim/sweep.hpp"

#include "revsim/scenario_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "../parallel/point_loop.hpp"

namespace revsim {

GridAxis parse_grid(const std::string& spec) {
  const std::string label = "--grid " + spec;
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(label, 0, 0, "", "expected KEY=START:STOP:STEP or KEY=V1,V2,...");
  GridAxis axis;
  axis.spec = spec;
  axis.key = spec.substr(0, eq);
  const std::string& key = axis.key;
  const std::string body = spec.substr(eq + 1);
  std::vector<std::string>& values = axis.values;
  auto number = [&](const std::string& t) {
    try {
      std::size_t used = 0;
      const double v = std::stod(t, &used);
      if (used == t.size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
    throw ScenarioError(label, 0, 0, key, fmt::format("'{}' is not a number", t));
  };
  if (body.find(':') != std::string::npos) {
    std::vector<double> p;
    std::size_t from = 0;
    for (std::size_t at = body.find(':'); from <= body.size(); at = body.find(':', from)) {
      p.push_back(number(body.substr(from, at == std::string::npos ? std::string::npos : at - from)));
      if (at == std::string::npos) break;
      from = at + 1;
    }
    if (p.size() != 3 || !(p[2] > 0) || p[1] < p[0])
      throw ScenarioError(label, 0, 0, key, "expected START:STOP:STEP with STEP > 0 and STOP >= START");
    const double count = std::floor((p[1] - p[0]) / p[2] + 1e-9) + 1;
    if (count > static_cast<double>(kMaxGridValues))
      throw ScenarioError(label, 0, 0, key, fmt::format("more than {} values", kMaxGridValues));
    for (int i = 0; i < static_cast<int>(count); ++i) values.push_back(fmt::format("{:g}", p[0] + i * p[2]));
  } else {
    std::size_t from = 0;
    for (std::size_t at = body.find(',');; at = body.find(',', from)) {
      const std::string v = body.substr(from, at == std::string::npos ? std::string::npos : at - from);
      number(v);
      values.push_back(v);
      if (at == std::string::npos) break;
      from = at + 1;
    }
  }
  return axis;
}

std::vector<std::string> SweepPlan::keys() const {
  std::vector<std::string> k;
  k.reserve(axes.size());
  for (const GridAxis& a : axes) k.push_back(a.key);
  return k;
}

namespace {

/// The loader's error `e` about the override "--set KEY=VALUE", retold as being about the grid
/// value: "--grid SPEC: value VALUE" followed by what the loader said after its file name.
ScenarioError grid_value_error(const ScenarioError& e, const GridAxis& axis, const std::string& value) {
  std::string loc = e.file();
  if (e.line() > 0) loc += fmt::format(":{}:{}", e.line(), e.column());
  const std::string_view what(e.what());
  const std::size_t skip = loc.size() + 2 + (e.path().empty() ? 0 : e.path().size() + 2);
  const std::string message(skip <= what.size() ? what.substr(skip) : std::string_view());
  return ScenarioError(fmt::format("--grid {}: value {}", axis.spec, value), e.line(), e.column(), e.path(), message);
}

}  // namespace

SweepPlan plan_sweep(const std::string& scenario_file, const std::vector<std::string>& base_sets,
                     const std::vector<std::string>& grids, const std::function<void(const Scenario&)>& first_loaded) {
  SweepPlan plan;
  std::size_t points = 1;
  for (const std::string& g : grids) {
    GridAxis axis = parse_grid(g);
    // A key given twice would be run with one of its values only (the last override wins): refused.
    for (const GridAxis& before : plan.axes)
      if (before.key == axis.key)
        throw ScenarioError("--grid " + g, 0, 0, axis.key,
                            fmt::format("the key is already varied by --grid {}; give each key once", before.spec));
    for (const std::string& set : base_sets)
      if (set.substr(0, set.find('=')) == axis.key)
        throw ScenarioError("--grid " + g, 0, 0, axis.key,
                            fmt::format("the key is also set by --set {}, which the grid would override; give it "
                                        "in one of them", set));
    plan.axes.push_back(std::move(axis));
    points *= plan.axes.back().values.size();
    if (points > kMaxGridPoints)
      throw ScenarioError("--grid", 0, 0, "", fmt::format("the grid has more than {} points", kMaxGridPoints));
  }
  const std::size_t n_axes = plan.axes.size();
  plan.values.assign(points, std::vector<std::string>(n_axes));
  plan.sets.assign(points, base_sets);
  plan.scenarios.reserve(points);
  for (std::size_t i = 0; i < points; ++i) {
    std::size_t rest = i;
    for (std::size_t k = n_axes; k-- > 0;) {  // the last axis varies fastest
      const GridAxis& axis = plan.axes[k];
      const std::string& v = axis.values[rest % axis.values.size()];
      plan.values[i][k] = v;
      plan.sets[i].push_back(axis.key + "=" + v);
      rest /= axis.values.size();
    }
    try {
      plan.scenarios.push_back(load_scenario(scenario_file, plan.sets[i]));
    } catch (const ScenarioError& e) {
      // The loader names the override "--set KEY=VALUE"; a grid value is the user's --grid.
      for (std::size_t k = 0; k < n_axes; ++k) {
        const std::string& set = plan.sets[i][base_sets.size() + n_axes - 1 - k];
        if (e.file() == "--set " + set) throw grid_value_error(e, plan.axes[k], plan.values[i][k]);
      }
      throw;
    }
    if (i == 0 && first_loaded) first_loaded(plan.scenarios.front());
  }
  return plan;
}

void run_sweep(const SweepPlan& plan, const RunOptions& opt, const std::optional<PrecisionTarget>& target,
               const std::function<void(const SweepPoint&)>& on_point) {
  // Under MPI the points are spread over the ranks and rank 0 alone sees them (point_loop.hpp).
  detail::run_points<Results>(
      plan.points(), opt, detail::PointsTo::rank0,
      [&](std::size_t i, const RunOptions& o) {
        return target ? run_to_precision(plan.scenarios[i], o, *target) : run_simulation(plan.scenarios[i], o);
      },
      [&](std::size_t i, Results&& r) {
        SweepPoint p;
        p.index = i;
        p.values = &plan.values[i];
        p.results = std::move(r);
        on_point(p);
      },
      [](const Results& r) { return r.trials; });
}

SweepResult run_sweep(const SweepPlan& plan, const RunOptions& opt, const std::optional<PrecisionTarget>& target) {
  SweepResult out;
  out.keys = plan.keys();
  out.values = plan.values;
  out.points.reserve(plan.points());
  run_sweep(plan, opt, target, [&](const SweepPoint& p) { out.points.push_back(p.results); });
  return out;
}

}  // namespace revsim
