// The wide `sweep --format csv`: one row per grid point (include/revsim/sweep.hpp).
#include "revsim/sweep.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

namespace revsim {

void write_sweep_csv_header(std::ostream& os, const std::vector<std::string>& keys, const Scenario& first,
                            bool precision) {
  for (const std::string& key : keys) os << key << ',';
  if (precision) os << "trials,";  // each point runs to the target on its own
  for (int y = 0; y < first.years; ++y)
    fmt::print(os, "{0}_mean,{0}_p10,{0}_p50,{0}_p90,{0}_p_threshold,{0}_p_threshold_se,{0}_p_alive,{0}_p_listing,",
               first.start_year + y);
  os << "scenario,seed" << (precision ? "\n" : ",trials\n");  // last: no earlier column moves
}

void write_sweep_csv_row(std::ostream& os, const Results& r, const std::vector<std::string>& values, bool precision) {
  for (const std::string& v : values) os << v << ',';
  if (precision) os << r.trials << ',';
  for (const YearStats& ys : r.years)
    fmt::print(os, "{},{},{},{},{},{},{},{},", ys.mean, ys.p10, ys.p50, ys.p90, ys.p_threshold, ys.p_threshold_se,
               ys.p_alive, ys.p_listing);
  os << csv_field(r.scenario) << ',' << r.seed;
  if (!precision) os << ',' << r.trials;
  os << '\n';
}

}  // namespace revsim
