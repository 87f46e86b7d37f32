// Tidy CSV (include/revsim/tidy_csv.hpp).
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace revsim {

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string csv_cell(const Cell& c) {
  struct Visit {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(std::int64_t v) const { return fmt::format("{}", v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(const std::string& v) const { return csv_field(v); }
  };
  return std::visit(Visit{}, c);
}

void write_csv_row(std::ostream& os, const Row& row) {
  std::string line;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_cell(row[i]);
  }
  line += '\n';
  os << line;
}

void write_csv_header(std::ostream& os, const std::vector<std::string>& columns) {
  Row row;
  for (const std::string& c : columns) row.emplace_back(c);
  write_csv_row(os, row);
}

namespace {

Cell opt(const std::optional<double>& v) { return v ? Cell(*v) : Cell(); }

/// `id` + (year, statistic, channel, value).
struct Emitter {
  const Row& id;
  const RowSink& out;
  void operator()(Cell year, const char* stat, const std::string& channel, Cell value) const {
    Row row = id;
    row.push_back(std::move(year));
    row.emplace_back(std::string(stat));
    row.emplace_back(channel);
    row.push_back(std::move(value));
    out(row);
  }
};

}  // namespace

void tidy_rows(const Results& r, const Row& id, const RowSink& out) {
  const Emitter emit{id, out};
  const std::string total = "total";
  for (std::size_t i = 0; i < r.years.size(); ++i) {
    const YearStats& y = r.years[i];
    const Cell year = std::int64_t{y.year};
    for (const auto& [name, v] : {std::pair{"mean", y.mean}, {"sd", y.sd}, {"p5", y.p5}, {"p10", y.p10},
                                  {"p25", y.p25}, {"p50", y.p50}, {"p75", y.p75}, {"p90", y.p90}, {"p95", y.p95},
                                  {"p_threshold", y.p_threshold}, {"p_threshold_se", y.p_threshold_se},
                                  {"p_alive", y.p_alive}, {"p_listing", y.p_listing}})
      emit(year, name, total, v);
    for (std::size_t c = 0; c < y.channels.size(); ++c) {
      const ChannelStats& cs = y.channels[c];
      const std::string channel = kChannelNames[c];
      for (const auto& [name, v] :
           {std::pair{"mean", cs.mean}, {"p50", cs.p50}, {"p90", cs.p90}, {"share", cs.share}})
        emit(year, name, channel, v);
    }
    if (i < r.concentration.size()) {
      const ConcentrationYear& c = r.concentration[i];
      emit(year, "largest_share", total, c.largest_share);
      emit(year, "top5_share", total, c.top5_share);
      emit(year, "p_largest_over_half", total, c.p_largest_over_half);
      emit(year, "concentration_trials", total, static_cast<std::int64_t>(c.trials));
    }
    for (const auto& [when, p] : r.first_crossing)
      if (when == std::to_string(y.year)) emit(year, "p_first_crossing", total, p);
    for (const ForecastYear& f : r.forecast_audit)
      if (f.year == y.year) {
        emit(year, "forecast", total, f.forecast);
        emit(year, "forecast_percentile", total, f.percentile);
        emit(year, "p_at_least_forecast", total, f.p_at_least);
        emit(year, "face_value", total, f.face_value);
      }
  }
  for (const auto& [when, p] : r.first_crossing)
    if (when == "never") emit(Cell(), "p_never_crosses", total, p);
  emit(Cell(), "runway_p10", total, opt(r.runway.p10));
  emit(Cell(), "runway_p50", total, opt(r.runway.p50));
  emit(Cell(), "runway_p90", total, opt(r.runway.p90));
  emit(Cell(), "p_alive_12", total, opt(r.runway.alive_12));
  emit(Cell(), "p_alive_24", total, opt(r.runway.alive_24));
  emit(Cell(), "p_alive_36", total, opt(r.runway.alive_36));
}

namespace {
std::vector<std::string> with_value_columns(std::vector<std::string> ids) {
  ids.insert(ids.end(), kTidyValueColumns.begin(), kTidyValueColumns.end());
  return ids;
}
Cell count(std::uint64_t n) { return static_cast<std::int64_t>(n); }
}  // namespace

void write_tidy_csv(std::ostream& os, const Results& r) {
  write_csv_header(os, with_value_columns({"scenario", "seed", "trials"}));
  tidy_rows(r, {r.scenario, count(r.seed), count(r.trials)}, [&](const Row& row) { write_csv_row(os, row); });
}

void write_tidy_csv(std::ostream& os, const Comparison& c) {
  write_csv_header(os, with_value_columns({"scenario", "baseline", "seed", "trials"}));
  const auto sink = [&](const Row& row) { write_csv_row(os, row); };
  const std::string& baseline = c.scenarios.front().scenario;
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    const ComparedScenario& s = c.scenarios[k];
    const Row own{s.scenario, Cell(), count(c.seed), count(c.trials)};
    tidy_rows(s.results, own, sink);
    const Emitter emit_own{own, sink};
    for (const PairedYear& y : s.years) emit_own(std::int64_t{y.year}, "p_reached_by", "total", y.p_reached_by);
    if (k == 0) continue;  // the baseline against itself: every difference 0
    const Row paired{s.scenario, baseline, count(c.seed), count(c.trials)};
    const Emitter emit{paired, sink};
    for (const PairedYear& y : s.years) {
      const Cell year = std::int64_t{y.year};
      for (const auto& [name, v] :
           {std::pair{"mean_diff", y.mean_diff}, {"se_paired", y.se_paired}, {"se_independent", y.se_independent},
            {"p_threshold_diff", y.p_threshold_diff}, {"p_threshold_diff_se", y.p_threshold_diff_se},
            {"p_greater", y.p_greater}, {"p_baseline_greater", y.p_baseline_greater}})
        emit(year, name, "total", v);
    }
    emit(Cell(), "p_lists_before_baseline", "total", s.p_lists_before_baseline);
    emit(Cell(), "p_baseline_lists_before", "total", s.p_baseline_lists_before);
  }
}

std::string sensitivity_level_name(std::size_t k, std::size_t levels) {
  if (levels == 2) return k == 0 ? "low" : "high";
  return std::to_string(k + 1);
}

void write_tidy_csv(std::ostream& os, const Sensitivity& s) {
  write_csv_header(os, {"scenario", "seed", "trials", "year", "statistic", "channel", "parameter", "given", "level",
                        "setting", "value"});
  auto row = [&](Cell parameter, Cell given, const std::string& level, Cell setting, double value) {
    write_csv_row(os, {s.scenario, count(s.seed), count(s.trials), std::int64_t{s.year}, s.stat, std::string("total"),
                       std::move(parameter), std::move(given), level, std::move(setting), value});
  };
  row(Cell(), Cell(), "base", Cell(), s.base);
  for (const SensitivityRow& r : s.rows) {
    for (std::size_t k = 0; k < r.levels.size() && k < r.stats.size(); ++k)
      row(r.parameter, r.given, sensitivity_level_name(k, r.levels.size()), r.levels[k], r.stats[k]);
    row(r.parameter, r.given, "swing", Cell(), r.swing);
  }
}

std::vector<std::string> tidy_sweep_columns(const std::vector<std::string>& keys) {
  std::vector<std::string> ids{"scenario", "seed", "trials"};
  ids.insert(ids.end(), keys.begin(), keys.end());
  return with_value_columns(std::move(ids));
}

void write_tidy_sweep_rows(std::ostream& os, const Results& r, const std::vector<std::string>& values) {
  Row id{r.scenario, count(r.seed), count(r.trials)};
  for (const std::string& v : values) id.emplace_back(v);
  tidy_rows(r, id, [&](const Row& row) { write_csv_row(os, row); });
}

}  // namespace revsim
