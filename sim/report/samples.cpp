#include "revsim/samples.hpp"

#include "revsim/output_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace revsim {

std::optional<SamplesFormat> samples_format(const std::string& path) {
  if (path.ends_with(".csv")) return SamplesFormat::csv;
  if (path.ends_with(".jsonl")) return SamplesFormat::jsonl;
  return std::nullopt;
}

namespace {

using Buffer = fmt::memory_buffer;

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

/// A number, shortest round-trip; NaN (no value) as `none`.
void number(Buffer& b, double v, const char* none) {
  if (std::isnan(v)) fmt::format_to(std::back_inserter(b), "{}", none);
  else fmt::format_to(std::back_inserter(b), "{}", v);
}

void check(const RunOutput& run) {
  const std::size_t Y = run.results.years.size(), N = run.fail_month.size();
  if (run.revenue.size() != N * Y * kChannels || run.cash.size() != N * Y ||
      run.inputs.size() != N * run.input_names.size())
    throw std::logic_error("write_samples: the run kept no samples");
}

/// The CSV header: [scenario,]trial,fail_month,first_crossing, the yearly columns, Y_cash per
/// year, then input:<key path> per input.
void csv_header(Buffer& b, bool with_scenario, const Results& r, const std::vector<std::string>& inputs) {
  if (with_scenario) fmt::format_to(std::back_inserter(b), "scenario,");
  fmt::format_to(std::back_inserter(b), "trial,fail_month,first_crossing");
  for (const YearStats& ys : r.years) {
    fmt::format_to(std::back_inserter(b), ",{0}_total", ys.year);
    for (const char* c : kChannelNames) fmt::format_to(std::back_inserter(b), ",{}_{}", ys.year, c);
    fmt::format_to(std::back_inserter(b), ",{}_alive", ys.year);
  }
  for (const YearStats& ys : r.years) fmt::format_to(std::back_inserter(b), ",{}_cash", ys.year);
  for (const std::string& in : inputs) fmt::format_to(std::back_inserter(b), ",{}", csv_field("input:" + in));
  b.push_back('\n');
}

/// One row per trial of `run`. CSV: `scenario` (when not null) first; the run's input i goes to
/// column column[i] of `columns` input columns (compare: the union of the scenarios' inputs).
void rows(AtomicFile& f, Buffer& row, SamplesFormat format, const RunOutput& run, const std::string* scenario,
          const std::vector<std::size_t>& column, std::size_t columns) {
  const Results& r = run.results;
  const std::size_t Y = r.years.size();
  const std::size_t N = run.fail_month.size();
  const std::size_t I = run.input_names.size();
  const bool csv = format == SamplesFormat::csv;
  const std::string scenario_field = scenario == nullptr ? "" : csv ? csv_field(*scenario) : json_string(*scenario);
  std::vector<double> cells(columns);
  std::vector<std::string> keys;  // JSON: the inputs' names, quoted
  if (!csv)
    for (const std::string& in : run.input_names) keys.push_back(json_string(in));
  auto out = std::back_inserter(row);
  for (std::size_t t = 0; t < N; ++t) {
    const int fail = run.fail_month[t];
    int first = -1;
    for (std::size_t y = 0; y < Y && first < 0; ++y)
      if (run.totals[t * Y + y] >= r.threshold) first = r.start_year + static_cast<int>(y);
    auto opt = [&](int v, const char* none) { return v < 0 ? std::string(none) : std::to_string(v); };
    const double* cash = run.cash.data() + t * Y;
    const double* in = run.inputs.data() + t * I;
    if (csv) {
      if (scenario != nullptr) fmt::format_to(out, "{},", scenario_field);
      fmt::format_to(out, "{},{},{}", t, opt(fail, ""), opt(first, ""));
    } else {
      row.push_back('{');
      if (scenario != nullptr) fmt::format_to(out, R"("scenario":{},)", scenario_field);
      fmt::format_to(out, R"("trial":{},"fail_month":{},"first_crossing":{},"years":[)", t, opt(fail, "null"),
                     opt(first, "null"));
    }
    for (std::size_t y = 0; y < Y; ++y) {
      const double* rev = run.revenue.data() + (t * Y + y) * kChannels;
      const bool alive = alive_through(fail, static_cast<int>(y), r.start_month_in_year);
      if (csv) {
        fmt::format_to(out, ",{},{},{},{},{},{}", run.totals[t * Y + y], rev[0], rev[1], rev[2], rev[3], alive ? 1 : 0);
      } else {
        fmt::format_to(out, R"({}{{"year":{},"total":{},"internet":{},"carriers":{},"government":{},"isv":{},"alive":{},"cash":)",
                       y > 0 ? "," : "", r.years[y].year, run.totals[t * Y + y], rev[0], rev[1], rev[2], rev[3],
                       alive ? "true" : "false");
        number(row, cash[y], "null");
        row.push_back('}');
      }
    }
    if (csv) {
      for (std::size_t y = 0; y < Y; ++y) {
        row.push_back(',');
        number(row, cash[y], "");
      }
      std::fill(cells.begin(), cells.end(), std::numeric_limits<double>::quiet_NaN());
      for (std::size_t i = 0; i < I; ++i) cells[column[i]] = in[i];
      for (double v : cells) {
        row.push_back(',');
        number(row, v, "");
      }
    } else {
      fmt::format_to(out, R"(],"inputs":{{)");
      for (std::size_t i = 0; i < I; ++i) {
        fmt::format_to(out, "{}{}:", i > 0 ? "," : "", keys[i]);
        number(row, in[i], "null");
      }
      fmt::format_to(out, "}}}}");
    }
    row.push_back('\n');
    if (row.size() > (1U << 16U)) {
      f.write(std::string_view(row.data(), row.size()));
      row.clear();
    }
  }
}

SamplesFormat format_of(const std::string& path) {
  const auto format = samples_format(path);
  if (!format) throw std::invalid_argument(fmt::format("--samples {}: expected a .csv or .jsonl file name", path));
  return *format;
}

}  // namespace

void write_samples(const std::string& path, const RunOutput& run) {
  const SamplesFormat format = format_of(path);
  check(run);
  AtomicFile f(path);
  Buffer row;
  if (format == SamplesFormat::csv) csv_header(row, false, run.results, run.input_names);
  std::vector<std::size_t> column(run.input_names.size());
  for (std::size_t i = 0; i < column.size(); ++i) column[i] = i;
  rows(f, row, format, run, nullptr, column, column.size());
  f.write(std::string_view(row.data(), row.size()));
  f.commit();
}

void write_samples(const std::string& path, const ComparisonSamples& c) {
  const SamplesFormat format = format_of(path);
  if (c.runs.size() != c.comparison.scenarios.size() || c.runs.empty())
    throw std::logic_error("write_samples: a comparison without its samples");
  for (const RunOutput& run : c.runs) check(run);
  // CSV columns: every scenario's inputs, in the order they first appear (baseline first).
  std::vector<std::string> names;
  std::vector<std::vector<std::size_t>> column(c.runs.size());
  for (std::size_t k = 0; k < c.runs.size(); ++k)
    for (const std::string& in : c.runs[k].input_names) {
      const auto it = std::find(names.begin(), names.end(), in);
      column[k].push_back(static_cast<std::size_t>(it - names.begin()));
      if (it == names.end()) names.push_back(in);
    }
  AtomicFile f(path);
  Buffer row;
  if (format == SamplesFormat::csv) csv_header(row, true, c.runs.front().results, names);
  for (std::size_t k = 0; k < c.runs.size(); ++k)
    rows(f, row, format, c.runs[k], &c.comparison.scenarios[k].scenario, column[k], names.size());
  f.write(std::string_view(row.data(), row.size()));
  f.commit();
}

}  // namespace revsim
