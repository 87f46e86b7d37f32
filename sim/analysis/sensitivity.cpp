#include "revsim/sensitivity.hpp"

#include "revsim/scenario_io.hpp"
#include "revsim/stat.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "../parallel/point_loop.hpp"

namespace revsim {

double statistic(const Results& r, const std::string& stat, int year) {
  for (const YearStats& y : r.years) {
    if (y.year != year) continue;
    if (const std::optional<StatKind> k = parse_stat(stat)) return year_stat(r, y, *k).value;
    throw std::invalid_argument(fmt::format("--stat {}: expected mean, p50, p_threshold, p_listing or p_alive", stat));
  }
  throw std::invalid_argument(fmt::format("--year {}: not a fiscal year of the scenario", year));
}

namespace {

/// Levels of a parameter: quantiles of a distribution, or a constant scaled by +-20 % (spider:
/// +-10 % too), clamped into the valid range.
std::vector<double> levels(const Parameter& p, bool spider) {
  const std::vector<double> q = spider ? std::vector<double>{0.1, 0.3, 0.5, 0.7, 0.9} : std::vector<double>{0.1, 0.9};
  const std::vector<double> f = spider ? std::vector<double>{0.8, 0.9, 1.0, 1.1, 1.2} : std::vector<double>{0.8, 1.2};
  std::vector<double> out;
  for (std::size_t i = 0; i < q.size(); ++i) {
    double v = p.dist.is_constant() ? p.dist.value() * f[i] : p.dist.quantile(q[i]);
    v = std::clamp(v, p.range.lo, p.range.hi);
    if (p.range.hi_open && v >= p.range.hi) v = std::nextafter(p.range.hi, p.range.lo);
    if (p.range.lo_open && v <= p.range.lo) v = std::nextafter(p.range.lo, p.range.hi);
    out.push_back(v);
  }
  return out;
}

}  // namespace

bool floored_when_drawn(const std::string& path) {
  // docs/model.md's "(floored)" keys: a whole number of slips or ISVs, the draw floored.
  const std::string key = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  return key == "max_slips" || key == "isvs";
}

Sensitivity sensitivity(const std::string& path, const std::vector<std::string>& sets, const RunOptions& opt,
                        const std::string& stat, std::optional<int> year, bool spider) {
  const Scenario base = load_scenario(path, sets);
  RunOptions o = opt;
  if (o.trials == 0) o.trials = std::min<std::uint64_t>(base.trials, 10000);
  if (!o.seed_set) {
    o.seed = base.seed;
    o.seed_set = true;
  }
  Sensitivity out;
  out.scenario = base.name;
  out.stat = stat;
  out.year = year.value_or(base.start_year + base.years - 1);
  out.trials = o.trials;
  out.seed = o.seed;
  // A bad statistic or year is said before anything loads or runs (in statistic()'s words), so
  // that under MPI every rank refuses it alike.
  Results shape;
  shape.trials = 1;
  shape.years.resize(static_cast<std::size_t>(base.years));
  for (int y = 0; y < base.years; ++y) shape.years[static_cast<std::size_t>(y)].year = base.start_year + y;
  (void)statistic(shape, stat, out.year);
  // The points: the scenario as given, then every parameter at each of its levels, all loaded
  // (and so refused, if one is bad) before anything runs, on every rank alike.
  std::vector<Scenario> points{base};
  for (const Parameter& p : list_parameters(base)) {
    SensitivityRow row;
    row.parameter = p.path;
    row.given = p.dist.describe();
    row.levels = levels(p, spider);
    // A floored key runs floor(level): the levels are labelled with what the model uses.
    row.floored = floored_when_drawn(p.path);
    if (row.floored)
      for (double& v : row.levels) v = std::floor(v);
    if (p.dist.is_constant()) row.given_value = row.floored ? std::floor(p.dist.value()) : p.dist.value();
    for (double v : row.levels) {
      std::vector<std::string> s = sets;
      s.push_back(fmt::format("{}={:.17g}", p.path, v));
      points.push_back(load_scenario(path, s));
    }
    out.rows.push_back(std::move(row));
  }
  // Under MPI the points are spread over the ranks (point_loop.hpp); every rank gets every statistic.
  std::vector<double> stats(points.size());
  detail::run_points<double>(
      points.size(), o, detail::PointsTo::every_rank,
      [&](std::size_t i, const RunOptions& ro) { return statistic(run_simulation(points[i], ro), stat, out.year); },
      [&](std::size_t i, double v) { stats[i] = v; }, [&o](double) { return o.trials; });
  out.base = stats.front();
  std::size_t at = 1;
  for (SensitivityRow& row : out.rows) {
    for (std::size_t k = 0; k < row.levels.size(); ++k) row.stats.push_back(stats[at++]);
    row.swing = std::fabs(row.stats.back() - row.stats.front());
  }
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [](const SensitivityRow& a, const SensitivityRow& b) { return a.swing > b.swing; });
  return out;
}

nlohmann::ordered_json to_json(const Sensitivity& s) {
  using J = nlohmann::ordered_json;
  J j;
  j["scenario"] = s.scenario;
  j["stat"] = s.stat;
  j["year"] = s.year;
  j["trials"] = s.trials;
  j["seed"] = s.seed;
  j["base"] = s.base;
  J rows = J::array();
  for (const SensitivityRow& r : s.rows)
    rows.push_back({{"parameter", r.parameter}, {"given", r.given}, {"levels", r.levels}, {"stats", r.stats},
                    {"swing", r.swing}});
  j["parameters"] = rows;
  return j;
}

namespace {
/// Columns a terminal gives `text` (UTF-8): two for East Asian wide characters, one otherwise,
/// as fmt counts them when it pads.
std::size_t display_width(std::string_view text) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1FU) : len == 3 ? (c & 0x0FU) : (c & 0x07U);
    for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
      cp = (cp << 6U) | (static_cast<unsigned char>(text[i + k]) & 0x3FU);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += len;
  }
  return w;
}
}  // namespace

void write_table(std::ostream& os, const Sensitivity& s, std::size_t top) {
  fmt::print(os, "revsim sensitivity — {}: {} in {} ({} trials, seed {}, common random numbers); as given: {:.4g}\n",
             s.scenario, s.stat, s.year, s.trials, s.seed, s.base);
  fmt::print(os, "Low/high: P10/P90 of a distribution, ±20 % of a constant.\n\n");
  // The parameter column fits the longest name shown (at least 55 columns), so that long entity
  // names do not push their rows out of line; fmt pads by display width (a CJK name counts double).
  std::size_t width = 55;
  for (std::size_t i = 0; i < s.rows.size() && i < top; ++i)
    width = std::max(width, display_width(s.rows[i].parameter));
  fmt::print(os, "  {:>4}  {:<{}} {:>11}  {:>11}  {:>10} {:>11} {:>10}\n", "rank", "parameter", width + 1, "low", "high",
             "stat(low)", "stat(high)", "swing");
  // A level that is the value as given (a floored key: ±20 % of 2 runs as 1 and 2) is marked '='.
  auto level = [](const SensitivityRow& r, double v) {
    return r.given_value == v ? fmt::format("{:.4g}=", v) : fmt::format("{:.4g} ", v);
  };
  bool floored = false, at_given = false;
  for (std::size_t i = 0; i < s.rows.size() && i < top; ++i) {
    const SensitivityRow& r = s.rows[i];
    floored = floored || r.floored;
    for (double v : r.levels) at_given = at_given || r.given_value == v;
    fmt::print(os, "  {:>4}  {:<{}}{} {:>12} {:>12} {:>10.4g} {:>11.4g} {:>10.4g}\n", i + 1, r.parameter, width,
               r.floored ? "⌊" : " ", level(r, r.levels.front()), level(r, r.levels.back()), r.stats.front(),
               r.stats.back(), r.swing);
    if (r.levels.size() > 2) {
      fmt::print(os, "        spider:");
      for (std::size_t k = 0; k < r.levels.size(); ++k) fmt::print(os, " {:.4g}→{:.4g}", r.levels[k], r.stats[k]);
      fmt::print(os, "\n");
    }
  }
  if (s.rows.size() > top) fmt::print(os, "  ... {} more (--top N, or --format json for all)\n", s.rows.size() - top);
  if (floored)
    fmt::print(os, "\n⌊ a whole-number key, floored when drawn: its levels are the floored values the model runs.\n");
  if (at_given)
    fmt::print(os, "{}= the level is the value as given: its statistic is the base and its side of the bar is empty.\n",
               floored ? "" : "\n");
}

}  // namespace revsim
