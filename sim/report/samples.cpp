#include "revsim/samples.hpp"

#include "revsim/output_file.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace revsim {

std::optional<SamplesFormat> samples_format(const std::string& path) {
  if (path.ends_with(".csv")) return SamplesFormat::csv;
  if (path.ends_with(".jsonl")) return SamplesFormat::jsonl;
  return std::nullopt;
}

void write_samples(const std::string& path, const RunOutput& run) {
  const auto format = samples_format(path);
  if (!format) throw std::invalid_argument(fmt::format("--samples {}: expected a .csv or .jsonl file name", path));
  const Results& r = run.results;
  const std::size_t Y = r.years.size();
  const std::size_t N = run.fail_month.size();
  if (run.revenue.size() != N * Y * kChannels) throw std::logic_error("write_samples: the run kept no samples");
  AtomicFile f(path);
  fmt::memory_buffer row;
  if (*format == SamplesFormat::csv) {
    fmt::format_to(std::back_inserter(row), "trial,fail_month,first_crossing");
    for (const YearStats& ys : r.years) {
      fmt::format_to(std::back_inserter(row), ",{0}_total", ys.year);
      for (const char* c : kChannelNames) fmt::format_to(std::back_inserter(row), ",{}_{}", ys.year, c);
      fmt::format_to(std::back_inserter(row), ",{}_alive", ys.year);
    }
    row.push_back('\n');
  }
  for (std::size_t t = 0; t < N; ++t) {
    const int fail = run.fail_month[t];
    int first = -1;
    for (std::size_t y = 0; y < Y && first < 0; ++y)
      if (run.totals[t * Y + y] >= r.threshold) first = r.start_year + static_cast<int>(y);
    auto opt = [&](int v, const char* none) { return v < 0 ? std::string(none) : std::to_string(v); };
    if (*format == SamplesFormat::csv) fmt::format_to(std::back_inserter(row), "{},{},{}", t, opt(fail, ""), opt(first, ""));
    else fmt::format_to(std::back_inserter(row), R"({{"trial":{},"fail_month":{},"first_crossing":{},"years":[)", t,
                        opt(fail, "null"), opt(first, "null"));
    for (std::size_t y = 0; y < Y; ++y) {
      const double* rev = run.revenue.data() + (t * Y + y) * kChannels;
      const bool alive = alive_through(fail, static_cast<int>(y), r.start_month_in_year);
      if (*format == SamplesFormat::csv) {
        fmt::format_to(std::back_inserter(row), ",{},{},{},{},{},{}", run.totals[t * Y + y], rev[0], rev[1], rev[2],
                       rev[3], alive ? 1 : 0);
      } else {
        fmt::format_to(std::back_inserter(row),
                       R"({}{{"year":{},"total":{},"internet":{},"carriers":{},"government":{},"isv":{},"alive":{}}})",
                       y > 0 ? "," : "", r.years[y].year, run.totals[t * Y + y], rev[0], rev[1], rev[2], rev[3],
                       alive ? "true" : "false");
      }
    }
    if (*format == SamplesFormat::jsonl) fmt::format_to(std::back_inserter(row), "]}}");
    row.push_back('\n');
    if (row.size() > (1U << 16U)) {
      f.write(std::string_view(row.data(), row.size()));
      row.clear();
    }
  }
  f.write(std::string_view(row.data(), row.size()));
  f.commit();
}

}  // namespace revsim
