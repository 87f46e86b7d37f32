// Helpers shared by the unit tests.
#pragma once

#include "revsim/engine.hpp"
#include "revsim/scenario_io.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace revsim::test {

/// A calm world for hand-computed cases: plenty of cash, no burn, constant card price 0.05,
/// fully mature software (M = 1, so no probability or duration scaling), Nvidia gains of 1
/// (A(t) = 1.5 constant) and a large engineering capacity (rate 1, never overloaded).
inline std::string calm_world(int years = 5) {
  return "name: test\nstart_year: 2023\nyears: " + std::to_string(years) +
         "\n"
         "company: {cash: 1000000, burn_per_month: 0, poc_capacity: 1000}\n"
         "product: {card_price: 0.05, tco_advantage: 1.5}\n"
         "software: {maturity: 1.0, growth_per_year: 0}\n"
         "market:\n"
         "  nvidia: {gain_per_release: 1}\n";
}

/// The hand-computed internet account (test_channels.cpp, test_pipeline.cpp): evaluation 2,
/// NPI 10, grey 3 months of 100 cards, every gate 1, full volume 10000 x 0.2 x 0.25 = 500 cards
/// a year, ramp [0.5, 1.0]. Append more keys of the account (8 spaces) after it.
inline const char* const kInternetAccount = R"(
channels:
  internet:
    accounts:
      - name: A
        eval_months: 2
        p_eval: 1
        npi_months: 10
        p_npi: 1
        grey_cards: 100
        p_grey_paid: 1
        grey_months: 3
        p_stable: 1
        tco_hurdle: 0
        annual_cards: 10000
        domestic_share: 0.2
        vendor_share: 0.25
        ramp: [0.5, 1.0]
)";

/// `text` with the first `from` replaced by `to` (which must be there).
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test yaml lacks '" + from + "'");
  return text.replace(at, from.size(), to);
}

inline Scenario scenario(const std::string& yaml) { return parse_scenario(yaml, "test.yaml"); }

/// The whole text of a file (for scenarios edited before parsing).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Mean of yearly total revenue over trials.
inline double mean_total(const std::vector<TrialOutcome>& v, int y) {
  double s = 0;
  for (const auto& o : v) s += o.year_total(y);
  return s / static_cast<double>(v.size());
}

}  // namespace revsim::test
