#include "revsim/report.hpp"

#include <nlohmann/json.hpp>

namespace revsim {

nlohmann::ordered_json to_json(const Runtime& r) {
  return {{"seconds", r.seconds}, {"trials_per_second", r.trials_per_second}, {"threads", r.threads}};
}

nlohmann::ordered_json to_json(const Results& r, bool with_runtime) {
  using J = nlohmann::ordered_json;
  J j;
  j["scenario"] = r.scenario;
  j["trials"] = r.trials;
  j["seed"] = r.seed;
  j["threshold"] = r.threshold;
  j["start_year"] = r.start_year;
  j["start_month_in_year"] = r.start_month_in_year;
  J years = J::array();
  for (const YearStats& y : r.years) {
    J e;
    e["year"] = y.year;
    e["mean"] = y.mean;
    e["sd"] = y.sd;
    e["p5"] = y.p5;
    e["p10"] = y.p10;
    e["p25"] = y.p25;
    e["p50"] = y.p50;
    e["p75"] = y.p75;
    e["p90"] = y.p90;
    e["p95"] = y.p95;
    e["p_threshold"] = y.p_threshold;
    e["p_threshold_se"] = y.p_threshold_se;
    e["p_alive"] = y.p_alive;
    e["p_listing"] = y.p_listing;
    J ch;
    for (int c = 0; c < kChannels; ++c) {
      const ChannelStats& cs = y.channels[static_cast<std::size_t>(c)];
      ch[kChannelNames[static_cast<std::size_t>(c)]] = {{"mean", cs.mean}, {"p50", cs.p50}, {"p90", cs.p90},
                                                        {"share", cs.share}};
    }
    e["channels"] = ch;
    years.push_back(e);
  }
  j["years"] = years;
  J fc = J::object();
  for (const auto& [k, p] : r.first_crossing) fc[k] = p;
  j["first_crossing"] = fc;
  J acc = J::array();
  for (const AccountStats& a : r.accounts) {
    J e;
    e["name"] = a.name;
    e["channel"] = to_string(a.channel);
    e["p_production"] = a.p_production;
    e["mean_revenue"] = a.mean_revenue;
    e["median_first_order_month"] = a.median_first_order_month ? J(*a.median_first_order_month) : J(nullptr);
    acc.push_back(e);
  }
  j["accounts"] = acc;
  J audit = J::array();
  for (const ForecastYear& f : r.forecast_audit) {
    audit.push_back({{"year", f.year},
                     {"forecast", f.forecast},
                     {"percentile", f.percentile},
                     {"p_at_least", f.p_at_least},
                     {"p10", f.p10},
                     {"p50", f.p50},
                     {"p90", f.p90},
                     {"face_value", f.face_value},
                     {"face_by_entity", [&] {
                        J parts = J::array();
                        for (const auto& [name, v] : f.face_by_entity) parts.push_back({{"name", name}, {"face_value", v}});
                        return parts;
                      }()},
                     {"carried_by", f.carried_by()}});
  }
  j["forecast_audit"] = audit;
  // v2 (MODEL.md §5): how long the cash lasts, and how concentrated the customers are.
  auto month_or_null = [](const std::optional<double>& v) { return v ? J(*v) : J(nullptr); };
  auto calendar_or_null = [&](const std::optional<double>& v) {
    return v ? J(calendar_month(r.start_year, r.start_month_in_year, *v)) : J(nullptr);
  };
  j["runway"] = {{"p10", month_or_null(r.runway.p10)},
                 {"p50", month_or_null(r.runway.p50)},
                 {"p90", month_or_null(r.runway.p90)},
                 {"calendar", {{"p10", calendar_or_null(r.runway.p10)},
                               {"p50", calendar_or_null(r.runway.p50)},
                               {"p90", calendar_or_null(r.runway.p90)}}},
                 {"p_alive_12", month_or_null(r.runway.alive_12)},
                 {"p_alive_24", month_or_null(r.runway.alive_24)},
                 {"p_alive_36", month_or_null(r.runway.alive_36)}};
  J conc = J::array();
  for (const ConcentrationYear& c : r.concentration)
    conc.push_back({{"year", c.year},
                    {"largest_share", c.largest_share},
                    {"top5_share", c.top5_share},
                    {"p_largest_over_half", c.p_largest_over_half},
                    {"trials", c.trials}});
  j["concentration"] = conc;
  // Extensions beyond MODEL.md §5 (docs/model.md, "Outputs"): the monthly cash-survival curve
  // and a histogram of each year's revenue.
  j["survival"] = r.survival;
  J hist = J::array();
  for (const Histogram& h : r.histograms)
    hist.push_back({{"year", h.year},
                    {"zeros", h.zeros},
                    {"bin_width", h.bin_width()},
                    {"hi", h.hi},
                    {"counts", h.counts},
                    {"above", h.above}});
  j["histograms"] = hist;
  j["quantiles"] = r.quantiles;
  if (with_runtime)
    j["runtime"] = to_json(r.runtime);
  return j;
}

void write_json(std::ostream& os, const Results& r) { os << to_json(r).dump(2) << '\n'; }

void write_report(std::ostream& os, const Results& r, Format f, const TableStyle& style) {
  switch (f) {
    case Format::table: write_table(os, r, style); break;
    case Format::json: write_json(os, r); break;
    case Format::csv: write_csv(os, r); break;
  }
}

}  // namespace revsim
