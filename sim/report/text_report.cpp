// The readable table (default of `revsim run`) and the per-year CSV.
#include "revsim/report.hpp"
#include "revsim/statistics.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace revsim {

namespace {
std::string pct(double p) { return fmt::format("{:.1f}%", 100.0 * p); }

/// A share that may be tiny: "—" when nothing happened, two significant digits when it would
/// round to 0.0 %, so that a median month never sits beside "0.0%".
std::string rare_pct(double p) {
  if (!(p > 0)) return "—";
  return 100.0 * p < 0.05 ? fmt::format("{:.2g}%", 100.0 * p) : pct(p);
}

constexpr const char* kReset = "\033[0m";
constexpr const char* kCyan = "\033[36m";
constexpr const char* kBoldBlue = "\033[1;34m";
constexpr const char* kRed = "\033[31m";
constexpr const char* kDim = "\033[2m";
}  // namespace

void write_spread_chart(std::ostream& os, const Results& r, const TableStyle& style, int width) {
  double hi = 1.1 * r.threshold;
  for (const YearStats& y : r.years) hi = std::max(hi, y.p95);
  hi = round_up_nice(hi);
  const int W = std::max(8, width);
  auto cell = [&](double v) { return std::clamp(static_cast<int>(std::floor(v / hi * (W - 1) + 0.5)), 0, W - 1); };
  auto paint = [&](const char* colour, const std::string& s) {
    return style.color ? std::string(colour) + s + kReset : s;
  };
  // The bar is STAR standard 2's only at 200 M; another threshold is the scenario's own.
  fmt::print(os, "\nSpread by year, M RMB: {} P5–P95, {} P50, {} {:g} M {}\n", paint(kCyan, "├─┤"),
             paint(kBoldBlue, "●"), paint(kRed, "┊"), r.threshold,
             r.threshold == 200 ? "(STAR standard 2)" : "threshold (STAR standard 2: 200 M)");
  const int t = cell(r.threshold);
  for (const YearStats& y : r.years) {
    const int a = cell(y.p5), b = cell(y.p95), m = cell(y.p50);
    std::string line;
    for (int i = 0; i < W; ++i) {
      // Precedence: P50, the ends of P5-P95, the threshold, the inside of P5-P95.
      if (i == m) line += paint(kBoldBlue, "●");
      else if (a == b && i == a) line += paint(kCyan, "│");
      else if (i == a) line += paint(kCyan, "├");
      else if (i == b) line += paint(kCyan, "┤");
      else if (i == t) line += paint(kRed, i > a && i < b ? "┼" : "┊");
      else if (i > a && i < b) line += paint(kCyan, "─");
      else line += ' ';
    }
    fmt::print(os, "  {:>6}  {}  P50 {:.1f}\n", y.year, line, y.p50);
  }
  // Scale: 0 at the left, the maximum at the right.
  const std::string right = fmt::format("{:g}", hi);
  fmt::print(os, "          {}{:>{}}\n", paint(kDim, "0"), paint(kDim, right),
             W - 1 + static_cast<int>(style.color ? std::string(kDim).size() + std::string(kReset).size() : 0));
}

void write_runway(std::ostream& os, const Results& r) {
  // "还能坚持多久": quantiles of the month the cash runs out (survivors after the horizon).
  auto q = [&](const std::optional<double>& m) {
    return m ? fmt::format("month {:.1f} ({})", *m, calendar_month(r.start_year, r.start_month_in_year, *m))
             : std::string("beyond the horizon");
  };
  auto p = [&](const std::optional<double>& v) { return v ? pct(*v) : std::string("—"); };
  fmt::print(os, "\nCash runway (month the cash runs out)\n  P10 {}; P50 {}; P90 {}\n", q(r.runway.p10),
             q(r.runway.p50), q(r.runway.p90));
  fmt::print(os, "  P(alive) at 12 months {}, 24 months {}, 36 months {}\n", p(r.runway.alive_12), p(r.runway.alive_24),
             p(r.runway.alive_36));
}

void write_concentration(std::ostream& os, const Results& r) {
  if (r.concentration.empty()) return;
  fmt::print(os,
             "\nCustomer concentration: shares of the year's revenue, booked revenue in the total but no customer\n"
             "(trials with revenue that year)\n  {:>6} {:>9} {:>9} {:>17}\n",
             "year", "largest", "top 5", "P(largest > 50%)");
  for (const ConcentrationYear& c : r.concentration) {
    if (c.trials == 0) {
      fmt::print(os, "  {:>6} {:>9} {:>9} {:>17}\n", c.year, "—", "—", "—");
      continue;
    }
    fmt::print(os, "  {:>6} {:>9} {:>9} {:>17}\n", c.year, pct(c.largest_share), pct(c.top5_share),
               pct(c.p_largest_over_half));
  }
}

void write_table(std::ostream& os, const Results& r, const TableStyle& style) {
  fmt::print(os, "revsim — {} ({} trials, seed {}, threshold {:g} M RMB)\n\n", r.scenario, r.trials, r.seed,
             r.threshold);
  fmt::print(os, "Revenue by fiscal year, M RMB\n");
  fmt::print(os, "{:>6} {:>9} {:>9} {:>9} {:>9}  {:>15} {:>8} {:>8}   {:>8} {:>8} {:>8} {:>8}\n", "year", "mean",
             "P5", "P50", "P95", "P(>=thr) ± se", "alive", "listing", "internet", "carriers", "gov", "isv");
  for (const YearStats& y : r.years) {
    fmt::print(os, "{:>6} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}  {:>7} ± {:<5} {:>8} {:>8}   {:>8} {:>8} {:>8} {:>8}\n",
               y.year, y.mean, y.p5, y.p50, y.p95, pct(y.p_threshold), pct(y.p_threshold_se), pct(y.p_alive),
               pct(y.p_listing), pct(y.channels[0].share), pct(y.channels[1].share), pct(y.channels[2].share),
               pct(y.channels[3].share));
  }
  if (style.charts) write_spread_chart(os, r, style);
  fmt::print(os, "\nFirst year revenue reaches {:g} M RMB\n", r.threshold);
  for (const auto& [k, p] : r.first_crossing) fmt::print(os, "  {:>6}  {:>6}\n", k, pct(p));
  write_runway(os, r);
  write_concentration(os, r);
  if (!r.accounts.empty()) {
    fmt::print(os, "\nAccounts\n  {:<24} {:<9} {:>12} {:>14} {:>18}\n", "name", "channel", "P(volume)",
               "mean revenue", "median 1st order");
    for (const AccountStats& a : r.accounts) {
      const std::string first = a.median_first_order_month
                                    ? fmt::format("month {:.1f}", *a.median_first_order_month)
                                    : std::string("—");
      fmt::print(os, "  {:<24} {:<9} {:>12} {:>14.1f} {:>18}\n", a.name, to_string(a.channel),
                 rare_pct(a.p_production), a.mean_revenue, first);
    }
  }
  if (!r.forecast_audit.empty()) {
    fmt::print(os, "\nForecast audit, M RMB\n  {:>6} {:>10} {:>11} {:>11} {:>9} {:>9} {:>9} {:>11}\n", "year",
               "forecast", "percentile", "P(>=fcst)", "P10", "P50", "P90", "face value");
    for (const ForecastYear& f : r.forecast_audit)
      fmt::print(os, "  {:>6} {:>10.1f} {:>11.1f} {:>11} {:>9.1f} {:>9.1f} {:>9.1f} {:>11.1f}\n", f.year, f.forecast,
                 f.percentile, pct(f.p_at_least), f.p10, f.p50, f.p90, f.face_value);
  }
  for (const ForecastYear& f : r.forecast_audit) {
    const auto names = f.carried_by();
    if (!names.empty())
      fmt::print(os, "  {}: the forecast is {:.1f} above P50; at face value it counts on {}\n", f.year,
                 f.forecast - f.p50, fmt::join(names, ", "));
  }
  if (r.quantiles == "streaming") fmt::print(os, "\n{}\n", kStreamingNote);
  fmt::print(os, "\nruntime: {:.2f} s, {:.0f} trials/s, {} thread{}\n", r.runtime.seconds,
             r.runtime.trials_per_second, r.runtime.threads, r.runtime.threads == 1 ? "" : "s");
}

void write_audit(std::ostream& os, const Results& r) {
  fmt::print(os, "revsim audit — {} ({} trials, seed {})\n", r.scenario, r.trials, r.seed);
  fmt::print(os, "The face-value pipeline takes every account's whole demand, every tender won in full, every\n"
                 "project won turnkey and every ISV migrated (\"反推出来一个人家的全量算力需求数字\").\n");
  for (const ForecastYear& f : r.forecast_audit) {
    fmt::print(os, "\n{}: forecast {:.1f} M RMB — percentile {:.1f}, P(revenue >= forecast) {}\n", f.year, f.forecast,
               f.percentile, pct(f.p_at_least));
    fmt::print(os, "  simulated P10 {:.1f}, P50 {:.1f}, P90 {:.1f}; face value {:.1f}{}\n", f.p10, f.p50, f.p90,
               f.face_value, f.p50 > 0 ? fmt::format(" ({:.0f}x the P50)", f.face_value / f.p50) : std::string());
    const auto names = f.carried_by();
    fmt::print(os, "  gap forecast - P50 = {:.1f}; at face value it is carried by: {}\n", f.forecast - f.p50,
               names.empty() ? std::string("(nothing: the forecast is at or below P50)") : fmt::format("{}", fmt::join(names, ", ")));
    double cumulative = 0;
    fmt::print(os, "  {:<28} {:>12} {:>12}\n", "face value by entity", "M RMB", "cumulative");
    for (const auto& [name, v] : f.face_by_entity) {
      cumulative += v;
      fmt::print(os, "  {:<28} {:>12.1f} {:>11.0f}%\n", name, v, f.face_value > 0 ? 100 * cumulative / f.face_value : 0.0);
    }
  }
}

void write_csv(std::ostream& os, const Results& r) {
  os << "year,mean,sd,p5,p10,p25,p50,p75,p90,p95,p_threshold,p_threshold_se,p_alive,p_listing";
  for (const char* c : kChannelNames) fmt::print(os, ",{0}_mean,{0}_p50,{0}_p90,{0}_share", c);
  // v2: concentration per year; the runway (one figure for the run) repeated on every row, empty
  // where the quantile lies beyond the horizon.
  os << ",largest_share,top5_share,p_largest_over_half,runway_p10,runway_p50,runway_p90";
  // Issue 15: the run's identity on every row, last so that no earlier column moves; then how
  // the quantiles were made ("exact", or "streaming": estimated, docs/performance.md).
  os << ",scenario,seed,trials,quantiles\n";
  const std::string identity = fmt::format(",{},{},{},{}", csv_field(r.scenario), r.seed, r.trials, r.quantiles);
  auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); };
  for (std::size_t i = 0; i < r.years.size(); ++i) {
    const YearStats& y = r.years[i];
    fmt::print(os, "{},{},{},{},{},{},{},{},{},{},{},{},{},{}", y.year, y.mean, y.sd, y.p5, y.p10, y.p25, y.p50, y.p75,
               y.p90, y.p95, y.p_threshold, y.p_threshold_se, y.p_alive, y.p_listing);
    for (const ChannelStats& c : y.channels) fmt::print(os, ",{},{},{},{}", c.mean, c.p50, c.p90, c.share);
    const ConcentrationYear c = i < r.concentration.size() ? r.concentration[i] : ConcentrationYear{};
    fmt::print(os, ",{},{},{},{},{},{}", c.largest_share, c.top5_share, c.p_largest_over_half, opt(r.runway.p10),
               opt(r.runway.p50), opt(r.runway.p90));
    os << identity << '\n';
  }
}

}  // namespace revsim
