// `--samples FILE`: every trial's yearly revenue by channel, for other tools (issue "Reports
// people look at"). Columns are documented in docs/model.md, "Sample export".
#pragma once

#include "revsim/compare.hpp"
#include "revsim/engine.hpp"

#include <optional>
#include <string>

namespace revsim {

enum class SamplesFormat { csv, jsonl };

/// The format named by the file's extension (.csv or .jsonl), or nothing.
std::optional<SamplesFormat> samples_format(const std::string& path);

/// Write one row per trial of `run` (a run_with_samples output) to `path`, atomically.
/// CSV columns: trial, fail_month (empty: never), first_crossing (first fiscal year with revenue
/// >= threshold; empty: never), then per fiscal year Y: Y_total, Y_internet, Y_carriers,
/// Y_government, Y_isv (M RMB) and Y_alive (1 if alive at the end of Y); then per fiscal year
/// Y_cash (cash at the end of Y, M RMB; empty when the cash ran out in or before Y); then per
/// uncertain per-trial key `input:<key path>` (the value the trial drew, as list_parameters and
/// Sobol name the key; empty when the trial drew none). JSON lines: the same per trial as
/// {"trial", "fail_month", "first_crossing", "years": [{"year", "total", "internet", "carriers",
/// "government", "isv", "alive", "cash"}], "inputs": {"<key path>": value}}, null for never or
/// none. Throws std::runtime_error when the file cannot be written, std::invalid_argument for an
/// unknown extension.
void write_samples(const std::string& path, const RunOutput& run);

/// compare --samples: one block of rows per scenario, in the order given, each row led by a
/// `scenario` column (JSON: "scenario" key) holding the scenario's name; `trial` is the index
/// to pair on (the same trial index is the same common random numbers). CSV input columns are
/// the union of the scenarios' inputs (empty for a scenario without the key).
void write_samples(const std::string& path, const ComparisonSamples& c);

}  // namespace revsim
