// Reporters: Results -> text. They never see the scenario's YAML nor the RNG.
#pragma once

#include "revsim/results.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <ostream>
#include <string>

namespace revsim {

enum class Format { table, json, csv };

/// {seconds, trials_per_second, threads}: the `runtime` block every report carries.
nlohmann::ordered_json to_json(const Runtime& r);

/// The JSON document of MODEL.md §5, keys in the documented order.
nlohmann::ordered_json to_json(const Results& r, bool with_runtime = true);

/// How the table looks: ANSI colour (for a terminal), the per-year spread chart.
struct TableStyle {
  bool color = false;
  bool charts = true;
};

/// A readable table: per fiscal year, a Unicode chart of each year's P5-P95 with P50 and the
/// threshold, first crossing, accounts, forecast audit, runtime.
void write_table(std::ostream& os, const Results& r, const TableStyle& style = {});
/// The chart alone: one line per year, `width` cells from 0 to a round maximum.
void write_spread_chart(std::ostream& os, const Results& r, const TableStyle& style, int width = 48);
void write_json(std::ostream& os, const Results& r);
/// The runway lines of the table: P10/P50/P90 of the failure month, P(alive) at 12/24/36 months.
void write_runway(std::ostream& os, const Results& r);
/// Customer concentration by year: largest customer's and top-5 share, P(largest > 50 %).
void write_concentration(std::ostream& os, const Results& r);
/// `revsim audit`: the forecast against the simulation and the face-value pipeline, by entity.
void write_audit(std::ostream& os, const Results& r);
/// One row per fiscal year with the per-year fields of MODEL.md §5 (channels flattened),
/// concentration, the runway, and last the scenario's name, the seed and the trials.
void write_csv(std::ostream& os, const Results& r);

void write_report(std::ostream& os, const Results& r, Format f, const TableStyle& style = {});

}  // namespace revsim
