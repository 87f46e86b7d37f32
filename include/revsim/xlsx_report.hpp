// Excel workbooks (issue 15, part 3): `--format xlsx -o FILE.xlsx` writes one sheet per table,
// numbers as numbers, the header in the first row (frozen), and a manifest sheet. The sheets are
// plain tables built here without libxlsxwriter; write_xlsx needs it (REVSIM_XLSX, on by default).
#pragma once

#include "revsim/compare.hpp"
#include "revsim/html_report.hpp"
#include "revsim/results.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/tidy_csv.hpp"

#include <string>
#include <utility>
#include <vector>

namespace revsim {

struct Table {
  std::string name;  ///< the sheet's name (at most 31 characters)
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

/// Whether this build can write xlsx (libxlsxwriter found at configure time).
bool xlsx_supported() noexcept;
/// The rows Excel allows on a sheet, header included.
inline constexpr std::size_t kXlsxMaxRows = 1048576;

/// manifest: key, value (revsim version, command, date, each scenario file and its SHA-256,
/// each --set, seed, trials, threads), then `extra` (key, value) rows.
Table manifest_sheet(const Manifest& m, const std::vector<std::pair<std::string, Cell>>& extra = {});

/// The sheets of a run: years, channels, first_crossing, runway, concentration, accounts, and
/// audit and audit_entities when the scenario has a forecast. With `scenario_column`, every sheet
/// starts with a `scenario` column (compare puts the sheets of several scenarios together).
std::vector<Table> results_sheets(const Results& r, bool scenario_column = false);
/// compare: the paired table (one row per scenario and year), then every scenario's sheets
/// (results_sheets with a scenario column), rows of the scenarios one after the other.
std::vector<Table> comparison_sheets(const Comparison& c);
/// sensitivity: one row per parameter, largest swing first: rank, parameter, given, each level's
/// setting and statistic (low/high, or 1..5 with --spider), swing.
Table sensitivity_sheet(const Sensitivity& s);

/// The sweep sheet: one row per grid point and fiscal year, the grid keys first, then trials and
/// the year's statistics (as on the years sheet) and each channel's mean and share.
std::vector<std::string> sweep_sheet_columns(const std::vector<std::string>& keys);
/// Rows of one point: `values` are the grid values as given (written as numbers).
void add_sweep_rows(Table& sweep, const Results& r, const std::vector<std::string>& values);

/// Write `sheets` (the manifest first) to `path` atomically: libxlsxwriter writes a private
/// temporary file, whose bytes then go to `path` as every other output does
/// (write_file_atomically). Throws std::runtime_error ("revsim was built without xlsx support"
/// when libxlsxwriter was not found at configure time).
void write_xlsx(const std::string& path, const std::vector<Table>& sheets);

}  // namespace revsim
