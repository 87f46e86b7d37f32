// Results and backtest companies through the sealed archive (point_archive.hpp).
#include "point_archive.hpp"

#include <fmt/format.h>

namespace revsim::detail {

namespace {

void put(ArchiveWriter& w, const std::optional<double>& v) {
  w.u64(v ? 1 : 0);
  if (v) w.f64(*v);
}
void get(ArchiveReader& rd, std::optional<double>& v) {
  const std::uint64_t has = rd.u64();
  if (has > 1) throw ArchiveError(rd.name() + ": an optional value's flag is not 0 or 1");
  if (has == 1) v = rd.f64();
  else v.reset();
}

void put(ArchiveWriter& w, bool b) { w.u64(b ? 1 : 0); }
bool get_bool(ArchiveReader& rd) {
  const std::uint64_t v = rd.u64();
  if (v > 1) throw ArchiveError(rd.name() + ": a flag is not 0 or 1");
  return v == 1;
}

int get_int(ArchiveReader& rd) { return static_cast<int>(rd.i64()); }

/// A count of elements that follow: refused when implausibly large (a sealed message of another
/// kind must not make the reader allocate gigabytes; damaged bytes fail the seal before this).
std::uint64_t entries(ArchiveReader& rd, const char* what) {
  const std::uint64_t n = rd.u64();
  if (n > (std::uint64_t{1} << 24U))
    throw ArchiveError(fmt::format("{}: {} {}: not a plausible count", rd.name(), n, what));
  return n;
}

void put(ArchiveWriter& w, const YearStats& y) {
  w.i64(y.year);
  for (double v : {y.mean, y.sd, y.p5, y.p10, y.p25, y.p50, y.p75, y.p90, y.p95, y.p_threshold, y.p_threshold_se,
                   y.p_alive, y.p_listing})
    w.f64(v);
  for (const ChannelStats& c : y.channels)
    for (double v : {c.mean, c.p50, c.p90, c.share}) w.f64(v);
}
void get(ArchiveReader& rd, YearStats& y) {
  y.year = get_int(rd);
  for (double* v : {&y.mean, &y.sd, &y.p5, &y.p10, &y.p25, &y.p50, &y.p75, &y.p90, &y.p95, &y.p_threshold,
                    &y.p_threshold_se, &y.p_alive, &y.p_listing})
    *v = rd.f64();
  for (ChannelStats& c : y.channels)
    for (double* v : {&c.mean, &c.p50, &c.p90, &c.share}) *v = rd.f64();
}

void put(ArchiveWriter& w, const std::vector<YearStats>& ys) {
  w.u64(ys.size());
  for (const YearStats& y : ys) put(w, y);
}
void get(ArchiveReader& rd, std::vector<YearStats>& ys) {
  ys.assign(entries(rd, "fiscal years"), YearStats{});
  for (YearStats& y : ys) get(rd, y);
}

void put(ArchiveWriter& w, const std::vector<std::pair<std::string, double>>& v) {
  w.u64(v.size());
  for (const auto& [name, x] : v) {
    w.str(name);
    w.f64(x);
  }
}
void get(ArchiveReader& rd, std::vector<std::pair<std::string, double>>& v) {
  v.assign(entries(rd, "named values"), {});
  for (auto& [name, x] : v) {
    name = rd.str();
    x = rd.f64();
  }
}

void put(ArchiveWriter& w, const Placement& p) {
  for (double v : {p.actual, p.pit, p.p5, p.p10, p.p25, p.p50, p.p75, p.p90, p.p95, p.mean}) w.f64(v);
  put(w, p.in80);
  put(w, p.in90);
  w.f64(p.crps);
  w.u64(p.samples);
}
void get(ArchiveReader& rd, Placement& p) {
  for (double* v : {&p.actual, &p.pit, &p.p5, &p.p10, &p.p25, &p.p50, &p.p75, &p.p90, &p.p95, &p.mean}) *v = rd.f64();
  p.in80 = get_bool(rd);
  p.in90 = get_bool(rd);
  p.crps = rd.f64();
  p.samples = rd.u64();
}

}  // namespace

void save(ArchiveWriter& w, const Results& r) {
  w.str(r.scenario);
  w.u64(r.trials);
  w.u64(r.seed);
  w.f64(r.threshold);
  w.i64(r.start_year);
  w.i64(r.start_month_in_year);
  put(w, r.years);
  put(w, r.first_crossing);
  w.u64(r.accounts.size());
  for (const AccountStats& a : r.accounts) {
    w.str(a.name);
    w.i64(static_cast<int>(a.channel));
    w.f64(a.p_production);
    w.f64(a.mean_revenue);
    put(w, a.median_first_order_month);
  }
  w.u64(r.forecast_audit.size());
  for (const ForecastYear& f : r.forecast_audit) {
    w.i64(f.year);
    for (double v : {f.forecast, f.percentile, f.p_at_least, f.p10, f.p50, f.p90, f.face_value}) w.f64(v);
    put(w, f.face_by_entity);
  }
  w.vec(r.survival);
  for (const std::optional<double>* v : {&r.runway.p10, &r.runway.p50, &r.runway.p90, &r.runway.alive_12,
                                         &r.runway.alive_24, &r.runway.alive_36})
    put(w, *v);
  w.u64(r.concentration.size());
  for (const ConcentrationYear& c : r.concentration) {
    w.i64(c.year);
    for (double v : {c.largest_share, c.top5_share, c.p_largest_over_half}) w.f64(v);
    w.u64(c.trials);
  }
  w.u64(r.histograms.size());
  for (const Histogram& h : r.histograms) {
    w.i64(h.year);
    w.u64(h.zeros);
    w.f64(h.hi);
    w.vec(h.counts);
    w.u64(h.above);
  }
  w.str(r.quantiles);
  w.f64(r.runtime.seconds);
  w.f64(r.runtime.trials_per_second);
  w.i64(r.runtime.threads);
}

void load(ArchiveReader& rd, Results& r) {
  r = Results{};
  r.scenario = rd.str();
  r.trials = rd.u64();
  r.seed = rd.u64();
  r.threshold = rd.f64();
  r.start_year = get_int(rd);
  r.start_month_in_year = get_int(rd);
  get(rd, r.years);
  get(rd, r.first_crossing);
  r.accounts.assign(entries(rd, "accounts"), AccountStats{});
  for (AccountStats& a : r.accounts) {
    a.name = rd.str();
    const std::int64_t c = rd.i64();
    if (c < 0 || c >= kChannels) throw ArchiveError(fmt::format("{}: channel {} out of range", rd.name(), c));
    a.channel = static_cast<Channel>(c);
    a.p_production = rd.f64();
    a.mean_revenue = rd.f64();
    get(rd, a.median_first_order_month);
  }
  r.forecast_audit.assign(entries(rd, "forecast years"), ForecastYear{});
  for (ForecastYear& f : r.forecast_audit) {
    f.year = get_int(rd);
    for (double* v : {&f.forecast, &f.percentile, &f.p_at_least, &f.p10, &f.p50, &f.p90, &f.face_value}) *v = rd.f64();
    get(rd, f.face_by_entity);
  }
  r.survival = rd.vec<double>();
  for (std::optional<double>* v : {&r.runway.p10, &r.runway.p50, &r.runway.p90, &r.runway.alive_12, &r.runway.alive_24,
                                   &r.runway.alive_36})
    get(rd, *v);
  r.concentration.assign(entries(rd, "concentration years"), ConcentrationYear{});
  for (ConcentrationYear& c : r.concentration) {
    c.year = get_int(rd);
    for (double* v : {&c.largest_share, &c.top5_share, &c.p_largest_over_half}) *v = rd.f64();
    c.trials = rd.u64();
  }
  r.histograms.assign(entries(rd, "histograms"), Histogram{});
  for (Histogram& h : r.histograms) {
    h.year = get_int(rd);
    h.zeros = rd.u64();
    h.hi = rd.f64();
    h.counts = rd.vec<std::uint64_t>();
    h.above = rd.u64();
  }
  r.quantiles = rd.str();
  r.runtime.seconds = rd.f64();
  r.runtime.trials_per_second = rd.f64();
  r.runtime.threads = get_int(rd);
}

void save(ArchiveWriter& w, const BacktestCompany& c) {
  w.str(c.scenario);
  w.str(c.source);
  w.u64(c.trials);
  w.u64(c.seed);
  w.u64(c.years.size());
  for (const BacktestYear& y : c.years) {
    w.i64(y.year);
    put(w, y.revenue);
    put(w, y.top5.has_value());
    if (y.top5) put(w, *y.top5);
    w.u64(y.channels.size());
    for (const auto& [name, p] : y.channels) {
      w.str(name);
      put(w, p);
    }
  }
  put(w, c.fan);
}

void load(ArchiveReader& rd, BacktestCompany& c) {
  c = BacktestCompany{};
  c.scenario = rd.str();
  c.source = rd.str();
  c.trials = rd.u64();
  c.seed = rd.u64();
  c.years.assign(entries(rd, "backtest years"), BacktestYear{});
  for (BacktestYear& y : c.years) {
    y.year = get_int(rd);
    get(rd, y.revenue);
    if (get_bool(rd)) get(rd, y.top5.emplace());
    y.channels.assign(entries(rd, "channels"), {});
    for (auto& [name, p] : y.channels) {
      name = rd.str();
      get(rd, p);
    }
  }
  get(rd, c.fan);
}

}  // namespace revsim::detail
