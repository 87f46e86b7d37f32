// One self-contained HTML file with inline SVG charts (issue "Reports people look at"): no
// network, no JavaScript, prints on A4. Every plotted number is also in a data-* attribute
// (data-value, data-year, ...) so tests can check the charts against the JSON results.
#pragma once

#include "revsim/backtest.hpp"
#include "revsim/compare.hpp"
#include "revsim/results.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace revsim {

/// What produced a report: enough to reproduce it.
struct Manifest {
  std::string version;
  std::vector<std::pair<std::string, std::string>> scenarios;  ///< file name, SHA-256 of its bytes
  std::vector<std::string> sets;                              ///< --set overrides
  std::uint64_t seed = 0;
  std::uint64_t trials = 0;
  int threads = 0;
  std::string date;     ///< UTC, ISO 8601
  std::string command;  ///< the command line
};

/// Lower-case hex SHA-256 of a file's bytes (OpenSSL); throws std::runtime_error if unreadable.
/// "-" is the scenario read from standard input (stdin_scenario_text()).
std::string sha256_file(const std::string& path);
/// Lower-case hex SHA-256 of the rest of a stream.
std::string sha256_stream(std::istream& in);
/// The current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_now();

struct HtmlReport {
  Manifest manifest;
  const Results* results = nullptr;        ///< run / report: fan chart, probabilities, histogram, ...
  const Sensitivity* tornado = nullptr;    ///< tornado chart
  const Sobol* sobol = nullptr;            ///< Sobol index chart
  const Comparison* comparison = nullptr;  ///< compare: every scenario's fan chart and the paired table
  const Backtest* backtest = nullptr;      ///< backtest: PIT histogram, a fan chart per company with its actuals
  std::optional<int> histogram_year;       ///< default: the first year whose P50 is nearest the threshold
};

/// The year a histogram shows by default: the first whose P50 is nearest the threshold.
int default_histogram_year(const Results& r);

void write_html(std::ostream& os, const HtmlReport& report);

}  // namespace revsim
