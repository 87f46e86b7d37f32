// The scenario's schema (sim/model/schema.hpp): the key tables and the walk over a scenario's
// parameters (list_parameters, parameter_slots: revsim/schema.hpp).
#include "schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace revsim {

namespace schema {

Range share(const char* what) { return {0.0, 1.0, false, false, what}; }

// ---- Field tables: key, member, valid range (MODEL.md §7), how often drawn (§2, §8) --------

const std::vector<Field<Company>>& company_fields() {
  static const std::vector<Field<Company>> f{
      {"cash", &Company::cash, Range::money()},
      {"burn_per_month", &Company::burn_per_month, Range::money()},
      {"rd_share", &Company::rd_share, share("a share")},
      {"gross_margin", &Company::gross_margin, {-1.0, 1.0, false, false, "a margin"}},
      {"valuation", &Company::valuation, Range::money()},
      {"poc_capacity", &Company::poc_capacity, Range::nonneg("a number of engagements")},
  };
  return f;
}

const std::vector<Field<Raise>>& raise_fields() {
  static const std::vector<Field<Raise>> f{
      {"month", &Raise::month, Range::month()},
      {"amount", &Raise::amount, Range::money()},
      {"p", &Raise::p, Range::probability()},
  };
  return f;
}

const std::vector<Field<Product>>& product_fields() {
  static const std::vector<Field<Product>> f{
      {"card_price", &Product::card_price, Range::positive("a card price in M RMB")},
      {"tco_advantage", &Product::tco_advantage, Range::positive("a TCO ratio")},
  };
  return f;
}

const std::vector<Field<Generation>>& generation_fields() {
  static const std::vector<Field<Generation>> f{
      {"month", &Generation::month, Range::month()},
      {"perf_gain", &Generation::perf_gain, Range::positive("a perf-per-RMB multiplier")},
  };
  return f;
}

const std::vector<Field<Software>>& software_fields() {
  static const std::vector<Field<Software>> f{
      {"maturity", &Software::maturity, {0.0, 1.0, true, false, "a maturity"}},
      {"growth_per_year", &Software::growth_per_year, Range::nonneg("a maturity growth")},
      {"isv_boost", &Software::isv_boost, Range::nonneg("a maturity boost")},
      {"branch_penalty", &Software::branch_penalty, Range::nonneg("a penalty per branch")},
      {"hardcode_p", &Software::hardcode_p, Range::probability()},
  };
  return f;
}

const std::vector<Field<Nvidia>>& nvidia_fields() {
  static const std::vector<Field<Nvidia>> f{
      {"first_release_month", &Nvidia::first_release_month, {-1e12, 1e12, false, false, "a month"}},
      {"interval_months", &Nvidia::interval_months, {1.0, 1e12, false, false, "an interval in months"}},
      {"jitter_months", &Nvidia::jitter_months, Range::months()},
      {"gain_per_release", &Nvidia::gain_per_release, Range::positive("a perf-per-RMB multiplier"), Draw::per_release},
  };
  return f;
}

const std::vector<Field<InternetAccount>>& internet_fields() {
  using A = InternetAccount;
  static const std::vector<Field<A>> f{
      {"price_factor", &A::price_factor, Range::nonneg("a price factor")},
      {"start_month", &A::start_month, Range::month()},
      {"annual_cards", &A::annual_cards, Range::nonneg("a number of cards")},
      {"domestic_share", &A::domestic_share, share("a share")},
      {"vendor_share", &A::vendor_share, share("a share")},
      {"eval_months", &A::eval_months, Range::months()},
      {"p_eval", &A::p_eval, Range::probability()},
      {"npi_months", &A::npi_months, Range::months()},
      {"p_npi", &A::p_npi, Range::probability()},
      {"grey_cards", &A::grey_cards, Range::nonneg("a number of cards")},
      {"p_grey_paid", &A::p_grey_paid, Range::probability()},
      {"grey_months", &A::grey_months, Range::months()},
      {"p_stable", &A::p_stable, Range::probability()},
      {"cloud_stability_factor", &A::cloud_stability_factor, share("a factor")},
      {"tco_hurdle", &A::tco_hurdle, Range::nonneg("a TCO ratio")},
      {"investor_npi_factor", &A::investor_npi_factor, Range::nonneg("a factor")},
      {"investor_inhouse_factor", &A::investor_inhouse_factor, Range::nonneg("a factor")},
  };
  return f;
}

const std::vector<Field<InhouseChip>>& inhouse_fields() {
  static const std::vector<Field<InhouseChip>> f{
      {"p", &InhouseChip::p, Range::probability()},
      {"month", &InhouseChip::month, Range::month()},
      {"residual", &InhouseChip::residual, share("a residual share")},
  };
  return f;
}

const std::vector<Field<CarrierOperator>>& carrier_fields() {
  using O = CarrierOperator;
  static const std::vector<Field<O>> f{
      {"price_factor", &O::price_factor, Range::nonneg("a price factor")},
      {"start_month", &O::start_month, Range::month()},
      {"eval_months", &O::eval_months, Range::months()},
      {"p_eval", &O::p_eval, Range::probability()},
      {"p_list", &O::p_list, Range::probability()},
      {"annual_cards", &O::annual_cards, Range::nonneg("a number of cards")},
      {"procurement_month", &O::procurement_month, {0.0, 12.0, false, true, "a month within the fiscal year"}},
      {"p_award", &O::p_award, Range::probability()},
      {"award_share", &O::award_share, share("a share")},
      {"tco_hurdle", &O::tco_hurdle, Range::nonneg("a TCO ratio")},
      {"delivery_months", &O::delivery_months, Range::months()},
  };
  return f;
}

const std::vector<Field<GovernmentChannel>>& government_fields() {
  using G = GovernmentChannel;
  static const std::vector<Field<G>> f{
      {"price_factor", &G::price_factor, Range::nonneg("a price factor"), Draw::per_project},
      {"projects_per_year", &G::projects_per_year, {0.0, 1000.0, false, false, "a rate per year"}},
      {"first_month", &G::first_month, Range::month()},
      {"sales_cycle_months", &G::sales_cycle_months, Range::months(), Draw::per_project},
      {"sales_patience_months", &G::sales_patience_months, {1.0, 1e12, false, false, "a patience in months"}},
      {"p_sales_leave", &G::p_sales_leave, Range::probability()},
      {"rehire_months", &G::rehire_months, Range::months()},
  };
  return f;
}

/// Keys drawn once per project; a named project may override each of them (§4.0).
const std::vector<Field<ProjectParams>>& project_fields() {
  using P = ProjectParams;
  static const std::vector<Field<P>> f{
      {"value", &P::value, Range::money(), Draw::per_project},
      {"p_slip", &P::p_slip, Range::probability(), Draw::per_project},
      {"max_slips", &P::max_slips, {0.0, 100.0, false, false, "a number of slips"}, Draw::per_project},
      {"p_win", &P::p_win, Range::probability(), Draw::per_project},
      {"turnkey_p", &P::turnkey_p, Range::probability(), Draw::per_project},
      {"turnkey_cost_share", &P::turnkey_cost_share, share("a share"), Draw::per_project},
      {"subcontract_share", &P::subcontract_share, share("a share"), Draw::per_project},
      {"delivery_months", &P::delivery_months, Range::months(), Draw::per_project},
      {"advance_share", &P::advance_share, share("a share of the project's revenue"), Draw::per_project},
  };
  return f;
}

const std::vector<Field<BacklogContract>>& backlog_fields() {
  using B = BacklogContract;
  static const std::vector<Field<B>> f{
      {"value", &B::value, Range::money()},
      {"delivery_end_month", &B::delivery_end_month, Range::month()},
      {"turnkey_cost_share", &B::turnkey_cost_share, share("a share")},
      {"subcontract_share", &B::subcontract_share, share("a share")},
      {"advance_received", &B::advance_received, Range::money()},
  };
  return f;
}

const std::vector<Field<ExportControls>>& export_control_fields() {
  using E = ExportControls;
  static const std::vector<Field<E>> f{
      {"month", &E::month, {-1e12, 1e12, false, false, "a month (<= 0: already in force at month 0)"}},
      {"p", &E::p, Range::probability()},
      {"step", &E::step, Range::positive("a perf-per-RMB multiplier")},
      {"gain_per_release", &E::gain_per_release, Range::positive("a perf-per-RMB multiplier"), Draw::per_release},
      {"domestic_share_factor", &E::domestic_share_factor, Range::nonneg("a factor on the domestic share")},
  };
  return f;
}

const std::vector<Field<Traction>>& traction_fields() {
  static const std::vector<Field<Traction>> f{
      {"revenue_12m", &Traction::revenue_12m, Range::money()},
      {"p", &Traction::p, Range::probability()},
  };
  return f;
}

const std::vector<Field<IsvParams>>& isv_fields() {
  using P = IsvParams;
  static const std::vector<Field<P>> f{
      {"price_factor", &P::price_factor, Range::nonneg("a price factor"), Draw::per_isv},
      {"migration_months", &P::migration_months, Range::months(), Draw::per_isv},
      {"p_migrate", &P::p_migrate, Range::probability(), Draw::per_isv},
      {"industry_reuse", &P::industry_reuse, Range::nonneg("a factor"), Draw::per_isv},
      {"industry_p_bonus", &P::industry_p_bonus, share("a probability bonus"), Draw::per_isv},
      {"orders_per_year", &P::orders_per_year, {0.0, 1e4, false, false, "a rate per year"}, Draw::per_isv},
      {"cards_per_order", &P::cards_per_order, Range::nonneg("a number of cards"), Draw::per_isv},
      {"order_growth", &P::order_growth, {-1.0, 100.0, false, false, "a growth rate"}, Draw::per_isv},
      {"p_large", &P::p_large, Range::probability(), Draw::per_isv},
      {"large_cards_per_year", &P::large_cards_per_year, Range::nonneg("a number of cards"), Draw::per_isv},
  };
  return f;
}

const std::vector<Plausible>& plausibility() {
  static const std::vector<Plausible> v{
      {"card_price", 1.0, "a card price is in M RMB per card (1 = one million RMB a card)"},
      {"cash", 100000.0, "cash is in M RMB (100000 = 1 000 亿 RMB)"},
      {"burn_per_month", 1000.0, "burn is in M RMB a month (1000 = 10 亿 RMB a month)"},
      {"annual_cards", 1e6, "annual_cards counts cards a year (more than a million)"},
      {"value", 20000.0, "a project value is in M RMB (20000 = 200 亿 RMB)"},
  };
  return v;
}

}  // namespace schema

using namespace schema;

namespace {
/// Calls f(path, dist, range, per_trial) for every parameter of `s`, in file order. `per_trial`:
/// the value is drawn once per trial (MODEL.md §2, §8), not once per project, ISV or release.
template <class S, class F>
void visit_parameters(S& s, F&& f) {
  // `skip` lists keys left out: those of the phases an entity at a stage has passed (§4.0),
  // which have no effect on it. `entity`: the object is one entity of the scenario (a named
  // project), drawn once per trial whatever its table says of the key elsewhere.
  auto fields = [&](const std::string& prefix, auto& obj, const auto& table,
                    const std::vector<std::string_view>& skip = {}, bool entity = false) {
    for (const auto& fd : table)
      if (std::find(skip.begin(), skip.end(), std::string_view(fd.key)) == skip.end())
        f(prefix + fd.key, obj.*(fd.member), fd.range, entity || fd.draw == Draw::per_trial);
  };
  auto passed = [](StagePhase ph) -> std::vector<std::string_view> {
    switch (ph) {
      case StagePhase::none: return {};
      case StagePhase::evaluation: return {"start_month"};
      case StagePhase::npi: return {"start_month", "eval_months", "p_eval"};
      case StagePhase::grey:
        return {"start_month", "eval_months", "p_eval", "npi_months", "p_npi", "grey_cards", "p_grey_paid",
                "investor_npi_factor"};
      case StagePhase::production:
        return {"start_month", "eval_months", "p_eval",      "npi_months", "p_npi", "grey_cards", "p_grey_paid",
                "investor_npi_factor", "grey_months", "p_stable", "cloud_stability_factor"};
      case StagePhase::listed: return {"start_month", "eval_months", "p_eval", "p_list"};
    }
    return {};
  };
  // elapsed: a parameter when it was given (the shorthand `stage: npi` has none to vary).
  auto given = [](const Dist& d) { return !(d.is_constant() && d.value() == 0); };
  fields("company.", s.company, company_fields());
  for (std::size_t i = 0; i < s.company.raises.size(); ++i) {
    fields(fmt::format("company.raises[{}].", i), s.company.raises[i], raise_fields());
    if (s.company.raises[i].traction)
      fields(fmt::format("company.raises[{}].traction.", i), *s.company.raises[i].traction, traction_fields());
  }
  fields("product.", s.product, product_fields());
  for (std::size_t i = 0; i < s.product.generations.size(); ++i)
    fields(fmt::format("product.generations[{}].", i), s.product.generations[i], generation_fields());
  fields("software.", s.software, software_fields());
  // gain_per_release is drawn once per release (MODEL.md §3).
  fields("market.nvidia.", s.market.nvidia, nvidia_fields());
  if (s.market.export_controls) fields("market.export_controls.", *s.market.export_controls, export_control_fields());
  auto& c = s.channels;
  if (c.internet.present) {
    for (auto& a : c.internet.accounts) {
      const std::string p = fmt::format("channels.internet.accounts[{}].", a.name);
      fields(p, a, internet_fields(), passed(a.stage.phase));
      fields(p + "inhouse_chip.", a.inhouse_chip, inhouse_fields());
      if (a.stage.phase != StagePhase::none && given(a.stage.elapsed))
        f(p + "stage.elapsed", a.stage.elapsed, Range::nonneg("a number of months already spent in the phase"), true);
    }
  }
  if (c.carriers.present)
    for (auto& o : c.carriers.operators) {
      fields(fmt::format("channels.carriers.operators[{}].", o.name), o, carrier_fields(), passed(o.stage.phase));
      if (o.stage.phase == StagePhase::evaluation && given(o.stage.elapsed))
        f(fmt::format("channels.carriers.operators[{}].stage.elapsed", o.name), o.stage.elapsed,
          Range::nonneg("a number of months already spent in the phase"), true);
    }
  if (c.government.present) {
    // MODEL.md §8: five keys once per trial, every other key once per project (the tables say which).
    fields("channels.government.", c.government, government_fields());
    fields("channels.government.", c.government.project, project_fields());
    // A named project or a backlog contract is one entity: its keys are drawn once per trial.
    for (auto& np : c.government.projects) {
      const std::string p = fmt::format("channels.government.projects[{}].", np.name);
      // Valid levels for the tornado: a due month inside the horizon.
      f(p + "due_month", np.due_month, Range{0.0, static_cast<double>(s.horizon_months()), false, true, "a month within the horizon"}, true);
      fields(p, np.params, project_fields(), {}, /*entity=*/true);
    }
    for (auto& bc : c.government.backlog) {
      const std::string p = fmt::format("channels.government.backlog[{}].", bc.name);
      fields(p, bc, backlog_fields(), {"delivery_end_month"});
      f(p + "delivery_end_month", bc.delivery_end_month,
        Range{0.0, static_cast<double>(s.horizon_months()), false, true, "a month within the horizon"}, true);
    }
  }
  if (c.isv.present) {
    f("channels.isv.first_month", c.isv.first_month, Range::month(), true);
    f("channels.isv.engagements_per_year", c.isv.engagements_per_year,
      Range{0.0, 1200.0, false, false, "a rate per year"}, true);
    for (auto& ind : c.isv.industries) {
      const std::string p = fmt::format("channels.isv.industries[{}].", ind.name);
      // At least the ISVs live or migrating at month 0 (§4.0).
      f(p + "isvs", ind.isvs,
        Range{static_cast<double>(ind.live + ind.migrating), 100000.0, false, false, "a number of ISVs"}, true);
      fields(p, ind.params, isv_fields());  // once per ISV
    }
  }
}
}  // namespace

std::vector<Parameter> list_parameters(const Scenario& s) {
  std::vector<Parameter> out;
  visit_parameters(s, [&](std::string path, const Dist& d, const Range& r, bool per_trial) {
    out.push_back({std::move(path), d, r, per_trial});
  });
  return out;
}

std::vector<Dist*> parameter_slots(Scenario& s) {
  std::vector<Dist*> out;
  visit_parameters(s, [&](const std::string&, Dist& d, const Range&, bool) { out.push_back(&d); });
  return out;
}

std::vector<const Dist*> parameter_slots(const Scenario& s) {
  std::vector<const Dist*> out;
  visit_parameters(s, [&](const std::string&, const Dist& d, const Range&, bool) { out.push_back(&d); });
  return out;
}

std::vector<std::size_t> per_trial_inputs(const std::vector<Parameter>& params) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < params.size(); ++p)
    if (params[p].per_trial && !params[p].dist.is_constant()) out.push_back(p);
  return out;
}

}  // namespace revsim
