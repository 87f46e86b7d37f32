// The parameters of a loaded scenario as the analyses see them (issue 15: the schema beside the
// model, sim/model/schema.hpp): every numeric key with its valid range and whether a trial draws
// it once, addressed as `--set` addresses it. The tornado, Sobol and --samples walk them.
#pragma once

#include "revsim/distribution.hpp"
#include "revsim/scenario.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace revsim {

/// A numeric parameter of a loaded scenario, addressed as `--set` would address it.
struct Parameter {
  std::string path;  ///< e.g. channels.internet.accounts[BigCloud A].p_eval
  Dist dist;
  Range range;
  /// Drawn once per trial (company, product, software, market, a named account or operator,
  /// the government and ISV schedule keys); false for keys drawn once per project, per ISV or
  /// per Nvidia release (MODEL.md §2, §8).
  bool per_trial = true;
};
/// Every numeric parameter of `s` (company, product, software, market, each entity), in file
/// order. Channel-level constants (maturity_elasticity, effort) and correlations are left out.
std::vector<Parameter> list_parameters(const Scenario& s);
/// Pointers to the same parameters of `s`, in the same order as list_parameters(s): setting
/// one changes the scenario without reloading it (callers keep values inside `range`).
std::vector<Dist*> parameter_slots(Scenario& s);
/// The same, read-only (the addresses a trial draws from: --samples records draws by them).
std::vector<const Dist*> parameter_slots(const Scenario& s);
/// The uncertain per-trial parameters of `s` (the factors of Sobol, the `input:` columns of
/// --samples): list_parameters(s) minus constants and keys drawn per project, ISV or release.
std::vector<std::size_t> per_trial_inputs(const std::vector<Parameter>& params);

}  // namespace revsim
