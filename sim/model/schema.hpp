// The scenario's schema in the model layer (issue 15): every numeric key the model draws, with
// the member it fills, its valid range (MODEL.md §7) and how often a trial draws it (§2, §8),
// and the plausibility limits of §8. The loader (sim/io/scenario_io.cpp) only parses YAML and
// reports errors against these tables; list_parameters (revsim/schema.hpp) walks them for the
// tornado, Sobol and --samples. Internal to the library.
#pragma once

#include "revsim/schema.hpp"
#include "revsim/scenario.hpp"

#include <initializer_list>
#include <string>
#include <vector>

namespace revsim::schema {

/// How often a trial draws a key: once (an entity's or the company's), or afresh for each
/// government project, each ISV or each Nvidia release.
enum class Draw { per_trial, per_project, per_isv, per_release };

/// One key of a YAML mapping: its name, the member of T it fills, its valid range, how often
/// it is drawn where the table is used for the channel's defaults (a named project, one entity,
/// is drawn once per trial whatever project_fields says).
template <class T>
struct Field {
  const char* key;
  Dist T::*member;
  Range range;
  Draw draw = Draw::per_trial;
};

/// [0, 1], closed, "what".
Range share(const char* what);

const std::vector<Field<Company>>& company_fields();
const std::vector<Field<Raise>>& raise_fields();
const std::vector<Field<Product>>& product_fields();
const std::vector<Field<Generation>>& generation_fields();
const std::vector<Field<Software>>& software_fields();
const std::vector<Field<Nvidia>>& nvidia_fields();
const std::vector<Field<InternetAccount>>& internet_fields();
const std::vector<Field<InhouseChip>>& inhouse_fields();
const std::vector<Field<CarrierOperator>>& carrier_fields();
const std::vector<Field<GovernmentChannel>>& government_fields();
const std::vector<Field<ProjectParams>>& project_fields();
const std::vector<Field<BacklogContract>>& backlog_fields();
const std::vector<Field<ExportControls>>& export_control_fields();
const std::vector<Field<Traction>>& traction_fields();
const std::vector<Field<IsvParams>>& isv_fields();

/// The keys of a table, then `extra` (the mapping's other keys), for "unknown key" messages.
template <class T>
std::vector<std::string> keys_of(const std::vector<Field<T>>& fields, std::initializer_list<const char*> extra = {}) {
  std::vector<std::string> k;
  for (const auto& f : fields) k.emplace_back(f.key);
  for (const char* e : extra) k.emplace_back(e);
  return k;
}

/// MODEL.md §8 (v2): values far outside what their unit can mean are accepted with a warning.
struct Plausible {
  const char* key;  ///< last key of the path
  double limit;
  const char* unit;
};
const std::vector<Plausible>& plausibility();

}  // namespace revsim::schema
