// `revsim backtest` (issue 12): actuals against the simulated distribution of their year.
#include "revsim/backtest.hpp"
#include "revsim/compare.hpp"  // distinct_labels

#include "revsim/report.hpp"
#include "revsim/statistics.hpp"

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "../engine/trial_loop.hpp"
#include "../parallel/point_loop.hpp"

namespace revsim {

double pit_percent(const std::vector<double>& sorted, double a) { return percentile_of(sorted, a); }

double crps_sorted(const std::vector<double>& sorted, double a) {
  const std::size_t n = sorted.size();
  if (n == 0) return 0;
  const auto N = static_cast<double>(n);
  // E|X - a| over the sample; E|X - X'| over all n^2 ordered pairs of the sample:
  // sum_i sum_j |x_i - x_j| = 2 sum_i (2i - n + 1) x_(i) (0-based i, ascending order).
  double abs_dev = 0;
  double pairs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    abs_dev += std::fabs(sorted[i] - a);
    pairs += (2.0 * static_cast<double>(i) - N + 1.0) * sorted[i];
  }
  return abs_dev / N - pairs / (N * N);
}

Coverage wilson(std::uint64_t k, std::uint64_t n, double nominal, double level) {
  Coverage c;
  c.inside = k;
  c.n = n;
  c.nominal = nominal;
  c.level = level;
  if (n == 0) return c;
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + level / 2);
  const auto N = static_cast<double>(n);
  const double p = static_cast<double>(k) / N;
  const double centre = (p + z * z / (2 * N)) / (1 + z * z / N);
  const double half = z / (1 + z * z / N) * std::sqrt(p * (1 - p) / N + z * z / (4 * N * N));
  c.lo = k == 0 ? 0.0 : std::max(0.0, centre - half);  // exact at the ends (no rounding residue)
  c.hi = k == n ? 1.0 : std::min(1.0, centre + half);
  return c;
}

Placement place(std::vector<double>& samples, double actual) {
  std::sort(samples.begin(), samples.end());
  Placement p;
  p.actual = actual;
  p.samples = samples.size();
  if (samples.empty()) return p;
  p.pit = pit_percent(samples, actual);
  p.p5 = quantile_sorted(samples, 0.05);
  p.p10 = quantile_sorted(samples, 0.10);
  p.p25 = quantile_sorted(samples, 0.25);
  p.p50 = quantile_sorted(samples, 0.50);
  p.p75 = quantile_sorted(samples, 0.75);
  p.p90 = quantile_sorted(samples, 0.90);
  p.p95 = quantile_sorted(samples, 0.95);
  p.mean = mean_sd(samples).mean;
  p.in80 = actual >= p.p10 && actual <= p.p90;
  p.in90 = actual >= p.p5 && actual <= p.p95;
  p.crps = crps_sorted(samples, actual);
  return p;
}

namespace {

void require_actuals(const Scenario& s) {
  if (s.actuals.empty() && s.actuals_top5_share.empty() && s.actuals_channels.empty())
    throw std::invalid_argument(fmt::format("{}: no 'actuals' to test (add e.g. actuals: {{{}: 120}})", s.source,
                                            s.start_year));
}

}  // namespace

BacktestCompany backtest_scenario(const Scenario& s, const RunOptions& opt) {
  require_actuals(s);
  const std::uint64_t N = opt.trials > 0 ? opt.trials : s.trials;
  const std::uint64_t seed = opt.seed_set ? opt.seed : s.seed;
  const auto Y = static_cast<std::size_t>(s.years);
  // Per trial and year: the channels' revenue and the top-5 share (0 when the year has no revenue).
  const detail::Prepared P(s);
  const detail::Dims d(P);
  detail::ExactSamples acc(d, true);
  acc.reserve(N);
  detail::run_trials(detail::ScenarioTrials({&P}, seed), 0, N, acc, opt);
  const std::vector<double>& revenue = acc.revenue();
  const std::vector<double>& top5 = acc.top5();

  BacktestCompany c;
  c.scenario = s.name;
  c.source = s.source;
  c.trials = N;
  c.seed = seed;
  std::vector<double> x(N);
  for (std::size_t y = 0; y < Y; ++y) {
    const int year = s.start_year + static_cast<int>(y);
    for (std::uint64_t t = 0; t < N; ++t) {
      const double* r = revenue.data() + (t * Y + y) * kChannels;
      x[t] = r[0] + r[1] + r[2] + r[3];
    }
    const auto a = s.actuals.find(year);
    std::vector<double> sorted = x;
    Placement whole = place(sorted, a != s.actuals.end() ? a->second : 0.0);
    YearStats fan;
    fan.year = year;
    fan.mean = whole.mean;
    fan.p5 = whole.p5, fan.p10 = whole.p10, fan.p25 = whole.p25, fan.p50 = whole.p50;
    fan.p75 = whole.p75, fan.p90 = whole.p90, fan.p95 = whole.p95;
    c.fan.push_back(fan);
    const auto t5 = s.actuals_top5_share.find(year);
    const auto ch = s.actuals_channels.find(year);
    if (a == s.actuals.end() && t5 == s.actuals_top5_share.end() && ch == s.actuals_channels.end()) continue;
    BacktestYear by;
    by.year = year;
    if (a != s.actuals.end()) by.revenue = whole;
    else by.revenue.samples = 0;  // no revenue actual this year: not scored
    if (t5 != s.actuals_top5_share.end()) {
      // Over trials with revenue that year, as results.concentration counts them (MODEL.md §5).
      std::vector<double> shares;
      for (std::uint64_t t = 0; t < N; ++t)
        // A share is at most 1: the sum of five customers over the year's total may round to 1 + 2^-52.
        if (x[t] > 0) shares.push_back(std::min(1.0, top5[t * Y + y]));
      by.top5 = place(shares, t5->second);
    }
    if (ch != s.actuals_channels.end())
      for (const auto& [idx, v] : ch->second) {
        std::vector<double> cx(N);
        for (std::uint64_t t = 0; t < N; ++t) cx[t] = revenue[(t * Y + y) * kChannels + static_cast<std::size_t>(idx)];
        by.channels.emplace_back(kChannelNames[static_cast<std::size_t>(idx)], place(cx, v));
      }
    c.years.push_back(std::move(by));
  }
  return c;
}

void pool(Backtest& b) {
  std::uint64_t n = 0, in80 = 0, in90 = 0, rel_n = 0;
  double crps = 0, rel = 0;
  std::uint64_t tn = 0, t80 = 0, t90 = 0;
  double tcrps = 0;
  b.pit_bins.fill(0);
  for (const BacktestCompany& c : b.companies)
    for (const BacktestYear& y : c.years) {
      if (y.revenue.samples > 0) {
        ++n;
        in80 += y.revenue.in80 ? 1 : 0;
        in90 += y.revenue.in90 ? 1 : 0;
        crps += y.revenue.crps;
        if (y.revenue.actual > 0) {
          rel += y.revenue.crps / y.revenue.actual;
          ++rel_n;
        }
        const auto bin = std::min<std::size_t>(9, static_cast<std::size_t>(std::floor(y.revenue.pit / 10.0)));
        ++b.pit_bins[bin];
      }
      if (y.top5 && y.top5->samples > 0) {
        ++tn;
        t80 += y.top5->in80 ? 1 : 0;
        t90 += y.top5->in90 ? 1 : 0;
        tcrps += y.top5->crps;
      }
    }
  b.band80 = wilson(in80, n, 0.8);
  b.band90 = wilson(in90, n, 0.9);
  b.mean_crps = n > 0 ? crps / static_cast<double>(n) : 0;
  b.mean_crps_relative = rel_n > 0 ? rel / static_cast<double>(rel_n) : 0;
  b.top5_band80 = wilson(t80, tn, 0.8);
  b.top5_band90 = wilson(t90, tn, 0.9);
  b.top5_mean_crps = tn > 0 ? tcrps / static_cast<double>(tn) : 0;
  b.top5_n = tn;
}

Backtest backtest(const std::vector<Scenario>& scenarios, const RunOptions& opt) {
  Backtest b;
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t trials = 0;
  for (const Scenario& s : scenarios) require_actuals(s);  // on every rank, before anything runs
  // Under MPI the companies are spread over the ranks (point_loop.hpp); every rank gets them all.
  b.companies.resize(scenarios.size());
  detail::run_points<BacktestCompany>(
      scenarios.size(), opt, detail::PointsTo::every_rank,
      [&](std::size_t i, const RunOptions& o) { return backtest_scenario(scenarios[i], o); },
      [&](std::size_t i, BacktestCompany&& c) {
        trials += c.trials;
        b.companies[i] = std::move(c);
      },
      [](const BacktestCompany& c) { return c.trials; });
  // Two histories of one name (a copy beside the original) are told apart as compare does.
  const std::vector<std::string> labels = distinct_labels(scenarios);
  for (std::size_t i = 0; i < scenarios.size(); ++i) b.companies[i].scenario = labels[i];
  pool(b);
  b.runtime.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  b.runtime.trials_per_second = b.runtime.seconds > 0 ? static_cast<double>(trials) / b.runtime.seconds : 0;
  b.runtime.threads = detail::thread_count(opt);
  return b;
}

namespace {

nlohmann::ordered_json placement_json(const Placement& p) {
  nlohmann::ordered_json j;
  j["actual"] = p.actual;
  j["pit"] = p.pit;
  j["in_p10_p90"] = p.in80;
  j["in_p5_p95"] = p.in90;
  j["crps"] = p.crps;
  j["mean"] = p.mean;
  for (const auto& [k, v] : {std::pair{"p5", p.p5}, {"p10", p.p10}, {"p25", p.p25}, {"p50", p.p50}, {"p75", p.p75},
                             {"p90", p.p90}, {"p95", p.p95}})
    j[k] = v;
  j["samples"] = p.samples;
  return j;
}

nlohmann::ordered_json coverage_json(const Coverage& c) {
  nlohmann::ordered_json j;
  j["inside"] = c.inside;
  j["n"] = c.n;
  j["rate"] = c.rate();
  j["nominal"] = c.nominal;
  j["interval"] = {c.lo, c.hi};
  j["interval_method"] = fmt::format("Wilson score, {:g} %", 100 * c.level);
  j["consistent_with_nominal"] = c.consistent();
  return j;
}

std::string pct(double p) { return fmt::format("{:.1f} %", 100 * p); }

void coverage_line(std::ostream& os, const char* band, const Coverage& c) {
  fmt::print(os, "Coverage of {}: {} of {} = {} (Wilson {:g} % interval {:.1f}–{:.1f} %); nominal {:.0f} % is {}\n",
             band, c.inside, c.n, pct(c.rate()), 100 * c.level, 100 * c.lo, 100 * c.hi, 100 * c.nominal,
             c.n == 0 ? "untested" : c.consistent() ? "inside the interval" : "OUTSIDE the interval");
}

}  // namespace

nlohmann::ordered_json to_json(const Backtest& b, bool with_runtime) {
  nlohmann::ordered_json j;
  j["companies"] = nlohmann::ordered_json::array();
  for (const BacktestCompany& c : b.companies) {
    nlohmann::ordered_json cj;
    cj["scenario"] = c.scenario;
    cj["trials"] = c.trials;
    cj["seed"] = c.seed;
    cj["years"] = nlohmann::ordered_json::array();
    for (const BacktestYear& y : c.years) {
      nlohmann::ordered_json yj;
      yj["year"] = y.year;
      yj["revenue"] = y.revenue.samples > 0 ? placement_json(y.revenue) : nlohmann::ordered_json();
      if (y.top5) yj["top5_share"] = placement_json(*y.top5);
      if (!y.channels.empty()) {
        nlohmann::ordered_json ch;
        for (const auto& [name, p] : y.channels) ch[name] = placement_json(p);
        yj["channels"] = ch;
      }
      cj["years"].push_back(yj);
    }
    cj["fan"] = nlohmann::ordered_json::array();
    for (const YearStats& f : c.fan)
      cj["fan"].push_back({{"year", f.year}, {"mean", f.mean}, {"p5", f.p5}, {"p10", f.p10}, {"p25", f.p25},
                           {"p50", f.p50}, {"p75", f.p75}, {"p90", f.p90}, {"p95", f.p95}});
    j["companies"].push_back(cj);
  }
  nlohmann::ordered_json o;
  o["company_years"] = b.band80.n;
  o["coverage_p10_p90"] = coverage_json(b.band80);
  o["coverage_p5_p95"] = coverage_json(b.band90);
  o["mean_crps"] = b.mean_crps;
  o["mean_crps_relative"] = b.mean_crps_relative;
  o["pit_histogram"] = b.pit_bins;
  j["overall"] = o;
  nlohmann::ordered_json t;
  t["company_years"] = b.top5_n;
  t["coverage_p10_p90"] = coverage_json(b.top5_band80);
  t["coverage_p5_p95"] = coverage_json(b.top5_band90);
  t["mean_crps"] = b.top5_mean_crps;
  j["top5_share"] = t;
  if (with_runtime) j["runtime"] = to_json(b.runtime);
  return j;
}

void write_table(std::ostream& os, const Backtest& b) {
  std::size_t w = 7;
  for (const BacktestCompany& c : b.companies) w = std::max(w, c.scenario.size());
  fmt::print(os, "Revenue, M RMB: the actual against the simulated distribution of its year\n");
  fmt::print(os, "{:<{}} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>6} {:>8}\n", "company", w, "year",
             "actual", "P5", "P10", "P50", "P90", "P95", "PIT", "P10-90", "P5-95", "CRPS");
  auto yes = [](bool v) { return v ? "yes" : "no"; };
  for (const BacktestCompany& c : b.companies)
    for (const BacktestYear& y : c.years) {
      if (y.revenue.samples == 0) continue;
      const Placement& p = y.revenue;
      fmt::print(os, "{:<{}} {:>4} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>6.1f} {:>7} {:>6} {:>8.1f}\n",
                 c.scenario, w, y.year, p.actual, p.p5, p.p10, p.p50, p.p90, p.p95, p.pit, yes(p.in80), yes(p.in90),
                 p.crps);
    }
  fmt::print(os, "\n");
  coverage_line(os, "P10–P90", b.band80);
  coverage_line(os, "P5–P95", b.band90);
  fmt::print(os, "Mean CRPS: {:.1f} M RMB ({:.0f} % of the actual on average)\n", b.mean_crps,
             100 * b.mean_crps_relative);
  fmt::print(os, "PIT histogram (10 bins of 10 points, 0–10 first):");
  for (auto k : b.pit_bins) fmt::print(os, " {}", k);
  fmt::print(os, "\n");
  bool channels = false;
  for (const BacktestCompany& c : b.companies)
    for (const BacktestYear& y : c.years) channels = channels || !y.channels.empty();
  if (channels) {
    fmt::print(os, "\nBy channel, M RMB\n{:<{}} {:>4} {:<10} {:>8} {:>8} {:>8} {:>8} {:>6}\n", "company", w, "year",
               "channel", "actual", "P10", "P50", "P90", "PIT");
    for (const BacktestCompany& c : b.companies)
      for (const BacktestYear& y : c.years)
        for (const auto& [name, p] : y.channels)
          fmt::print(os, "{:<{}} {:>4} {:<10} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f} {:>6.1f}\n", c.scenario, w, y.year,
                     name, p.actual, p.p10, p.p50, p.p90, p.pit);
  }
  if (b.top5_n > 0) {
    fmt::print(os, "\nTop-5 customers' share of revenue (trials with revenue that year)\n");
    fmt::print(os, "{:<{}} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>8}\n", "company", w, "year", "filed",
               "mean", "P10", "P50", "P90", "PIT", "P10-90", "CRPS");
    for (const BacktestCompany& c : b.companies)
      for (const BacktestYear& y : c.years)
        if (y.top5)
          fmt::print(os, "{:<{}} {:>4} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6.1f} {:>7} {:>8.3f}\n", c.scenario, w, y.year,
                     pct(y.top5->actual), pct(y.top5->mean), pct(y.top5->p10), pct(y.top5->p50), pct(y.top5->p90),
                     y.top5->pit, yes(y.top5->in80), y.top5->crps);
    coverage_line(os, "P10–P90 (top-5 share)", b.top5_band80);
    coverage_line(os, "P5–P95 (top-5 share)", b.top5_band90);
    fmt::print(os, "Mean CRPS (top-5 share): {:.3f}\n", b.top5_mean_crps);
  }
  fmt::print(os, "\nBands and PIT from each scenario's trials (mid-rank PIT: 100 (P(X < a) + P(X = a)/2)); CRPS of the "
                 "empirical distribution. Company-years of one company are not independent: read the interval as a "
                 "guide.\n");
}

}  // namespace revsim
