// Tidy ("long") CSV for notebooks and spreadsheets (issue 15, part 3): one row per fiscal year x
// statistic x channel, each row carrying the scenario, seed and trials, so that runs, compared
// scenarios, sweep points and sensitivity levels stack into one table (pandas.read_csv, then
// filter or pivot). The columns are documented in README.md, "Outputs for notebooks and
// spreadsheets", and in each subcommand's --help.
#pragma once

#include "revsim/compare.hpp"
#include "revsim/results.hpp"
#include "revsim/sensitivity.hpp"

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace revsim {

/// One value of a table: empty, an integer, a real (written with the shortest text that reads
/// back to the same double, as `run --format csv` does) or text.
using Cell = std::variant<std::monostate, std::int64_t, double, std::string>;
using Row = std::vector<Cell>;
using RowSink = std::function<void(const Row&)>;

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);
std::string csv_cell(const Cell& c);
void write_csv_row(std::ostream& os, const Row& row);
void write_csv_header(std::ostream& os, const std::vector<std::string>& columns);

/// The columns every tidy row ends with, after the identifying ones.
inline const std::vector<std::string> kTidyValueColumns{"year", "statistic", "channel", "value"};

/// The tidy rows of one run, each `id` followed by year (empty for a whole-run statistic),
/// statistic, channel ("total" or a channel name) and value (empty where the statistic has no
/// value: a runway quantile beyond the horizon).
void tidy_rows(const Results& r, const Row& id, const RowSink& out);

/// `run --format csv --tidy`: scenario,seed,trials,year,statistic,channel,value.
void write_tidy_csv(std::ostream& os, const Results& r);
/// `compare --format csv [--tidy]`: scenario,baseline,seed,trials,year,statistic,channel,value.
/// Every scenario's own statistics (those of `run`, plus p_reached_by) have an empty baseline;
/// the paired statistics against the baseline (mean_diff, se_paired, ..., p_lists_before_baseline)
/// carry the baseline's name.
void write_tidy_csv(std::ostream& os, const Comparison& c);
/// `sensitivity --format csv [--tidy]`:
/// scenario,seed,trials,year,statistic,channel,parameter,given,level,setting,value.
void write_tidy_csv(std::ostream& os, const Sensitivity& s);

/// `sweep --format csv --tidy`: scenario,seed,trials,KEY1,...,year,statistic,channel,value, one
/// header, then the rows of each grid point as it is run.
std::vector<std::string> tidy_sweep_columns(const std::vector<std::string>& keys);
void write_tidy_sweep_rows(std::ostream& os, const Results& r, const std::vector<std::string>& values);

/// Names of a sensitivity level: low/high (tornado), 1..5 (spider: 1 = P10 or x0.8 ... 5 = P90 or x1.2).
std::string sensitivity_level_name(std::size_t k, std::size_t levels);

}  // namespace revsim
