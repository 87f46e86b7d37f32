// Reporters: Results -> text. They never see the scenario's YAML nor the RNG.
#pragma once

#include "revsim/results.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace revsim {

enum class Format { table, json, csv };

/// {seconds, trials_per_second, threads}: the `runtime` block every report carries.
nlohmann::ordered_json to_json(const Runtime& r);

/// The JSON document of MODEL.md §5, keys in the documented order.
nlohmann::ordered_json to_json(const Results& r, bool with_runtime = true);

/// A readable table: per fiscal year, first crossing, accounts, forecast audit, runtime.
void write_table(std::ostream& os, const Results& r);
void write_json(std::ostream& os, const Results& r);
/// `revsim audit`: the forecast against the simulation and the face-value pipeline, by entity.
void write_audit(std::ostream& os, const Results& r);
/// One row per fiscal year with the per-year fields of MODEL.md §5 (channels flattened).
void write_csv(std::ostream& os, const Results& r);

void write_report(std::ostream& os, const Results& r, Format f);

}  // namespace revsim
