// Excel workbooks (include/revsim/xlsx_report.hpp): the sheets as tables, then libxlsxwriter.
#include "revsim/xlsx_report.hpp"

#include "revsim/output_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <type_traits>
#include <stdexcept>

#include <unistd.h>

#ifdef REVSIM_HAVE_XLSX
#include <dlfcn.h>
#include <xlsxwriter.h>
#endif

namespace revsim {

namespace {

Cell count(std::uint64_t n) { return static_cast<std::int64_t>(n); }
Cell opt(const std::optional<double>& v) { return v ? Cell(*v) : Cell(); }

/// A table whose rows may start with the scenario's name.
struct Builder {
  Table t;
  const Results& r;
  bool scenario;
  Builder(std::string name, std::vector<std::string> columns, const Results& res, bool with_scenario)
      : r(res), scenario(with_scenario) {
    t.name = std::move(name);
    if (scenario) t.columns.emplace_back("scenario");
    t.columns.insert(t.columns.end(), columns.begin(), columns.end());
  }
  void add(Row row) {
    if (scenario) row.insert(row.begin(), r.scenario);
    t.rows.push_back(std::move(row));
  }
};

}  // namespace

Table manifest_sheet(const Manifest& m, const std::vector<std::pair<std::string, Cell>>& extra) {
  Table t{"manifest", {"key", "value"}, {}};
  auto add = [&](const std::string& k, Cell v) { t.rows.push_back({k, std::move(v)}); };
  add("revsim version", m.version);
  add("command", m.command);
  add("date (UTC)", m.date);
  for (const auto& [file, sha] : m.scenarios) {
    add("scenario file", file);
    add("scenario SHA-256", sha);
  }
  for (const std::string& s : m.sets) add("--set", s);
  add("seed", count(m.seed));
  add("trials", count(m.trials));
  add("threads", std::int64_t{m.threads});
  for (const auto& [k, v] : extra) add(k, v);
  return t;
}

std::vector<Table> results_sheets(const Results& r, bool sc) {
  std::vector<Table> out;
  {
    Builder b("years",
              {"year", "mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p_threshold", "p_threshold_se",
               "p_alive", "p_listing"},
              r, sc);
    for (const YearStats& y : r.years)
      b.add({std::int64_t{y.year}, y.mean, y.sd, y.p5, y.p10, y.p25, y.p50, y.p75, y.p90, y.p95, y.p_threshold,
             y.p_threshold_se, y.p_alive, y.p_listing});
    out.push_back(std::move(b.t));
  }
  {
    Builder b("channels", {"year", "channel", "mean", "p50", "p90", "share"}, r, sc);
    for (const YearStats& y : r.years)
      for (std::size_t c = 0; c < y.channels.size(); ++c) {
        const ChannelStats& cs = y.channels[c];
        b.add({std::int64_t{y.year}, std::string(kChannelNames[c]), cs.mean, cs.p50, cs.p90, cs.share});
      }
    out.push_back(std::move(b.t));
  }
  {
    Builder b("first_crossing", {"year", "p"}, r, sc);  // year "never": revenue never reaches the threshold
    for (const auto& [when, p] : r.first_crossing)
      b.add({when == "never" ? Cell(when) : Cell(std::int64_t{std::stoi(when)}), p});
    out.push_back(std::move(b.t));
  }
  {
    // Each column holds one unit (docs/model.md): months from month 0 (the runway quantiles,
    // empty beyond the horizon; p_alive_M: M), the calendar month of a runway quantile, and
    // P(alive) at M months (empty past the horizon).
    Builder b("runway", {"statistic", "months", "calendar month", "p"}, r, sc);
    auto cal = [&](const std::optional<double>& m) {
      return m ? Cell(calendar_month(r.start_year, r.start_month_in_year, *m)) : Cell();
    };
    b.add({std::string("runway_p10"), opt(r.runway.p10), cal(r.runway.p10), Cell()});
    b.add({std::string("runway_p50"), opt(r.runway.p50), cal(r.runway.p50), Cell()});
    b.add({std::string("runway_p90"), opt(r.runway.p90), cal(r.runway.p90), Cell()});
    b.add({std::string("p_alive_12"), std::int64_t{12}, Cell(), opt(r.runway.alive_12)});
    b.add({std::string("p_alive_24"), std::int64_t{24}, Cell(), opt(r.runway.alive_24)});
    b.add({std::string("p_alive_36"), std::int64_t{36}, Cell(), opt(r.runway.alive_36)});
    out.push_back(std::move(b.t));
  }
  {
    Builder b("concentration", {"year", "largest_share", "top5_share", "p_largest_over_half", "trials"}, r, sc);
    for (const ConcentrationYear& c : r.concentration)
      b.add({std::int64_t{c.year}, c.largest_share, c.top5_share, c.p_largest_over_half, count(c.trials)});
    out.push_back(std::move(b.t));
  }
  {
    Builder b("accounts", {"name", "channel", "p_production", "mean_revenue", "median_first_order_month"}, r, sc);
    for (const AccountStats& a : r.accounts)
      b.add({a.name, std::string(to_string(a.channel)), a.p_production, a.mean_revenue, opt(a.median_first_order_month)});
    out.push_back(std::move(b.t));
  }
  if (!r.forecast_audit.empty()) {
    Builder b("audit",
              {"year", "forecast", "percentile", "p_at_least", "p10", "p50", "p90", "face_value", "carried_by"}, r, sc);
    Builder e("audit_entities", {"year", "entity", "face_value"}, r, sc);
    for (const ForecastYear& f : r.forecast_audit) {
      b.add({std::int64_t{f.year}, f.forecast, f.percentile, f.p_at_least, f.p10, f.p50, f.p90, f.face_value,
             fmt::format("{}", fmt::join(f.carried_by(), "; "))});
      for (const auto& [name, v] : f.face_by_entity) e.add({std::int64_t{f.year}, name, v});
    }
    out.push_back(std::move(b.t));
    out.push_back(std::move(e.t));
  }
  return out;
}

std::vector<Table> comparison_sheets(const Comparison& c) {
  Table cmp{"compare",
            {"scenario", "baseline", "year", "mean", "p50", "p_threshold", "p_reached_by", "mean_diff", "se_paired",
             "se_independent", "p_threshold_diff", "p_threshold_diff_se", "p_greater", "p_baseline_greater",
             "p_lists_before_baseline", "p_baseline_lists_before"},
            {}};
  const std::string& baseline = c.scenarios.front().scenario;
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    const ComparedScenario& s = c.scenarios[k];
    // The baseline's own rows: an empty `baseline` and no paired statistics, as in the tidy CSV.
    auto paired = [&](double v) { return k == 0 ? Cell() : Cell(v); };
    for (const PairedYear& y : s.years)
      cmp.rows.push_back({s.scenario, k == 0 ? Cell() : Cell(baseline), std::int64_t{y.year}, y.mean, y.p50,
                          y.p_threshold, y.p_reached_by, paired(y.mean_diff), paired(y.se_paired),
                          paired(y.se_independent), paired(y.p_threshold_diff), paired(y.p_threshold_diff_se),
                          paired(y.p_greater), paired(y.p_baseline_greater), paired(s.p_lists_before_baseline),
                          paired(s.p_baseline_lists_before)});
  }
  std::vector<Table> out{std::move(cmp)};
  for (const ComparedScenario& s : c.scenarios) {
    std::vector<Table> own = results_sheets(s.results, true);
    for (Table& t : own) {
      auto it = std::find_if(out.begin(), out.end(), [&](const Table& o) { return o.name == t.name; });
      if (it == out.end()) {
        out.push_back(std::move(t));
      } else {
        it->rows.insert(it->rows.end(), std::make_move_iterator(t.rows.begin()), std::make_move_iterator(t.rows.end()));
      }
    }
  }
  return out;
}

Table sensitivity_sheet(const Sensitivity& s) {
  const std::size_t levels = s.rows.empty() ? 2 : s.rows.front().levels.size();
  Table t{"sensitivity", {"rank", "parameter", "given"}, {}};
  for (std::size_t k = 0; k < levels; ++k) {
    const std::string name = sensitivity_level_name(k, levels);
    t.columns.push_back("setting_" + name);
    t.columns.push_back(s.stat + "_" + name);
  }
  t.columns.emplace_back("swing");
  std::int64_t rank = 0;
  for (const SensitivityRow& r : s.rows) {
    Row row{++rank, r.parameter, r.given};
    for (std::size_t k = 0; k < levels; ++k) {
      row.push_back(k < r.levels.size() ? Cell(r.levels[k]) : Cell());
      row.push_back(k < r.stats.size() ? Cell(r.stats[k]) : Cell());
    }
    row.emplace_back(r.swing);
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<std::string> sweep_sheet_columns(const std::vector<std::string>& keys) {
  std::vector<std::string> cols = keys;
  for (const char* c : {"trials", "year", "mean", "sd", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p_threshold",
                        "p_threshold_se", "p_alive", "p_listing"})
    cols.emplace_back(c);
  for (const char* ch : kChannelNames) {
    cols.push_back(fmt::format("{}_mean", ch));
    cols.push_back(fmt::format("{}_share", ch));
  }
  return cols;
}

void add_sweep_rows(Table& sweep, const Results& r, const std::vector<std::string>& values) {
  for (const YearStats& y : r.years) {
    Row row;
    for (const std::string& v : values) {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      row.push_back(end != v.c_str() && *end == '\0' ? Cell(d) : Cell(v));
    }
    row.insert(row.end(), {count(r.trials), std::int64_t{y.year}, y.mean, y.sd, y.p5, y.p10, y.p25, y.p50, y.p75,
                           y.p90, y.p95, y.p_threshold, y.p_threshold_se, y.p_alive, y.p_listing});
    for (const ChannelStats& c : y.channels) row.insert(row.end(), {c.mean, c.share});
    sweep.rows.push_back(std::move(row));
  }
}

#ifdef REVSIM_HAVE_XLSX

bool xlsx_supported() noexcept { return true; }

namespace {

/// A private temporary file, removed when this goes out of scope.
struct TempFile {
  std::string path;
  TempFile() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "revsim-XXXXXX.xlsx").string();
    const int fd = ::mkstemps(tmpl.data(), 5);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
    ::close(fd);
    path = tmpl;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { ::unlink(path.c_str()); }
};

/// The libxlsxwriter functions a workbook needs, looked up when the first workbook is written:
/// the library (with zlib, minizip and libcrypto behind it) is loaded then, not at every start of
/// revsim (each shared library costs page faults at start, ~1 ms apiece on a VM).
struct Lxw {
#define REVSIM_LXW(name) decltype(&::name) name = nullptr
  REVSIM_LXW(workbook_new);
  REVSIM_LXW(workbook_add_format);
  REVSIM_LXW(format_set_bold);
  REVSIM_LXW(workbook_add_worksheet);
  REVSIM_LXW(worksheet_write_string);
  REVSIM_LXW(worksheet_write_number);
  REVSIM_LXW(worksheet_set_column);
  REVSIM_LXW(worksheet_freeze_panes);
  REVSIM_LXW(workbook_close);
  REVSIM_LXW(lxw_strerror);
#undef REVSIM_LXW
};

const Lxw& lxw() {
  static const Lxw table = [] {
    void* h = nullptr;
    std::string tried;
    // By its soname (the library the build was configured with), then by the file it was found as.
    for (const char* name : {REVSIM_XLSX_SONAME, REVSIM_XLSX_PATH}) {
      if ((h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
      const char* e = ::dlerror();
      tried += fmt::format("; {}", e != nullptr ? e : name);
    }
    if (h == nullptr)
      throw std::runtime_error(fmt::format("cannot load libxlsxwriter ({}){} (install libxlsxwriter4)", REVSIM_XLSX_SONAME, tried));
    Lxw t;
    const auto find = [&](auto& f, const char* name) {
      f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(::dlsym(h, name));
      if (f == nullptr) throw std::runtime_error(fmt::format("libxlsxwriter ({}) has no {}", REVSIM_XLSX_SONAME, name));
    };
    find(t.workbook_new, "workbook_new");
    find(t.workbook_add_format, "workbook_add_format");
    find(t.format_set_bold, "format_set_bold");
    find(t.workbook_add_worksheet, "workbook_add_worksheet");
    find(t.worksheet_write_string, "worksheet_write_string");
    find(t.worksheet_write_number, "worksheet_write_number");
    find(t.worksheet_set_column, "worksheet_set_column");
    find(t.worksheet_freeze_panes, "worksheet_freeze_panes");
    find(t.workbook_close, "workbook_close");
    find(t.lxw_strerror, "lxw_strerror");
    return t;
  }();
  return table;
}

void check(lxw_error e, const std::string& what) {
  if (e != LXW_NO_ERROR) throw std::runtime_error(fmt::format("xlsx: {}: {}", what, lxw().lxw_strerror(e)));
}

}  // namespace

void write_xlsx(const std::string& path, const std::vector<Table>& sheets) {
  for (const Table& t : sheets)
    if (t.rows.size() + 1 > kXlsxMaxRows)
      throw std::runtime_error(fmt::format("cannot write {}: sheet {} has {} rows; a sheet holds at most {}", path,
                                           t.name, t.rows.size() + 1, kXlsxMaxRows));
  const Lxw& x = lxw();
  TempFile tmp;
  lxw_workbook* wb = x.workbook_new(tmp.path.c_str());
  if (wb == nullptr) throw std::runtime_error(fmt::format("cannot write {}: libxlsxwriter failed to start", path));
  try {
    lxw_format* bold = x.workbook_add_format(wb);
    x.format_set_bold(bold);
    for (const Table& t : sheets) {
      lxw_worksheet* ws = x.workbook_add_worksheet(wb, t.name.c_str());
      if (ws == nullptr) throw std::runtime_error(fmt::format("xlsx: bad sheet name '{}'", t.name));
      std::vector<std::size_t> width(t.columns.size(), 8);
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        check(x.worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), t.columns[c].c_str(), bold), t.name);
        width[c] = std::max(width[c], t.columns[c].size());
      }
      for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const auto row = static_cast<lxw_row_t>(r + 1);
        for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
          const auto col = static_cast<lxw_col_t>(c);
          const Cell& cell = t.rows[r][c];
          if (const auto* i = std::get_if<std::int64_t>(&cell)) {
            check(x.worksheet_write_number(ws, row, col, static_cast<double>(*i), nullptr), t.name);
            if (c < width.size()) width[c] = std::max<std::size_t>(width[c], fmt::format("{}", *i).size());
          } else if (const auto* d = std::get_if<double>(&cell)) {
            if (std::isfinite(*d)) check(x.worksheet_write_number(ws, row, col, *d, nullptr), t.name);
            else check(x.worksheet_write_string(ws, row, col, fmt::format("{}", *d).c_str(), nullptr), t.name);
            if (c < width.size()) width[c] = std::max<std::size_t>(width[c], 12);
          } else if (const auto* s = std::get_if<std::string>(&cell)) {
            check(x.worksheet_write_string(ws, row, col, s->c_str(), nullptr), t.name);
            if (c < width.size()) width[c] = std::max(width[c], s->size());
          }
        }
      }
      for (std::size_t c = 0; c < width.size(); ++c)
        x.worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                             static_cast<double>(std::min<std::size_t>(width[c], 60) + 2), nullptr);
      x.worksheet_freeze_panes(ws, 1, 0);
    }
  } catch (...) {
    x.workbook_close(wb);
    throw;
  }
  check(x.workbook_close(wb), fmt::format("cannot write {}", path));
  std::error_code ec;
  const auto size = std::filesystem::file_size(tmp.path, ec);
  std::ifstream in(tmp.path, std::ios::binary);
  std::string bytes(ec ? 0 : static_cast<std::size_t>(size), '\0');
  if (ec || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw std::runtime_error(fmt::format("cannot write {}: the workbook could not be read back", path));
  write_file_atomically(path, bytes);
}

#else

bool xlsx_supported() noexcept { return false; }

void write_xlsx(const std::string&, const std::vector<Table>&) {
  throw std::runtime_error("revsim was built without xlsx support (install libxlsxwriter-dev and rebuild)");
}

#endif

}  // namespace revsim
