// Accumulators of the trial loop and the summaries they give (issue 14).
#include "accumulators.hpp"

#include "revsim/engine.hpp"
#include "revsim/statistics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace revsim::detail {

Dims::Dims(const Prepared& P)
    : s(P.s),
      Y(static_cast<std::size_t>(P.Y)),
      H(static_cast<std::size_t>(P.H)),
      A(P.n_accounts()),
      E(P.entity_names.size()),
      F(P.s.forecast.size()),
      internet_accounts(P.internet_ids.size()),
      entity_names(P.entity_names),
      record(P.record),
      I(P.input_names.size()) {
  for (const auto& [year, f] : s.forecast) {
    forecast.push_back(f);
    forecast_year.push_back(static_cast<std::size_t>(year - s.start_year));
  }
}

// ---- Building blocks -------------------------------------------------------------------------

BlockSums::BlockSums(const Dims& d)
    : total(d.Y), channel(d.Y * kChannels, 0.0), face(d.E * d.Y, 0.0), account(d.A, 0.0), largest(d.Y, 0.0),
      top5(d.Y, 0.0) {}

void BlockSums::add(const TrialOutcome& o) {
  for (std::size_t y = 0; y < total.size(); ++y) {
    total[y].add(o.year_total(static_cast<int>(y)));
    largest[y] += o.largest_share[y];
    top5[y] += o.top5_share[y];
  }
  for (std::size_t i = 0; i < channel.size(); ++i) channel[i] += o.revenue[i];
  for (std::size_t i = 0; i < face.size(); ++i) face[i] += o.entity_face[i];
  for (std::size_t a = 0; a < account.size(); ++a) account[a] += o.account_revenue[a];
}

void BlockSums::fold(const BlockSums& b) {
  auto add = [](std::vector<double>& x, const std::vector<double>& y) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
  };
  for (std::size_t y = 0; y < total.size(); ++y) total[y].fold(b.total[y]);
  add(channel, b.channel), add(face, b.face), add(account, b.account), add(largest, b.largest), add(top5, b.top5);
}

TrialCounts::TrialCounts(const Dims& d)
    : above(d.Y), alive(d.Y), listed(d.Y), first(d.Y + 1), fails(d.H), acc_prod(d.A), acc_month(d.A * d.H),
      fc_less(d.F), fc_equal(d.F), with_revenue(d.Y), over_half(d.Y) {}

void TrialCounts::add(const Dims& d, const TrialOutcome& o) {
  for (std::size_t y = 0; y < d.Y; ++y) {
    const double x = o.year_total(static_cast<int>(y));
    above[y] += x >= d.s.threshold ? 1U : 0U;
    alive[y] += o.alive_through(static_cast<int>(y)) ? 1U : 0U;
    listed[y] += (o.listing >> y) & 1U;
    with_revenue[y] += x > 0 ? 1U : 0U;
    over_half[y] += o.largest_share[y] > 0.5 ? 1U : 0U;
  }
  ++first[static_cast<std::size_t>(o.first_crossing(d.s.threshold))];
  if (o.fail_month >= 0 && static_cast<std::size_t>(o.fail_month) < d.H) ++fails[static_cast<std::size_t>(o.fail_month)];
  for (std::size_t a = 0; a < d.A; ++a) {
    const int m = o.account_first[a];
    if (m < 0) continue;
    ++acc_prod[a];
    ++acc_month[a * d.H + std::min(d.H - 1, static_cast<std::size_t>(m))];
  }
  for (std::size_t f = 0; f < d.F; ++f) {
    const double x = o.year_total(static_cast<int>(d.forecast_year[f]));
    if (x < d.forecast[f]) ++fc_less[f];
    else if (x == d.forecast[f]) ++fc_equal[f];
  }
}

void TrialCounts::merge(const TrialCounts& c) {
  auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(above, c.above), add(alive, c.alive), add(listed, c.listed), add(first, c.first), add(fails, c.fails);
  add(acc_prod, c.acc_prod), add(acc_month, c.acc_month), add(fc_less, c.fc_less), add(fc_equal, c.fc_equal);
  add(with_revenue, c.with_revenue), add(over_half, c.over_half);
}

// ---- Serialisation building blocks (issue 16) --------------------------------------------------

namespace {

/// Read a vector that must hold n values (the scenario's dimensions, the part's trials).
template <class T>
void read_exact(ArchiveReader& r, std::vector<T>& v, std::size_t n, const char* what) {
  std::vector<T> x = r.template vec<T>();
  // Recorded only with --samples: none on one side means a run with and a run without it.
  if (x.size() != n && (x.empty() || n == 0) && (what == Samples::kRecordedInputs || what == Samples::kRecordedCash))
    throw ArchiveError(fmt::format("{}: written by a run {} --samples, and this run is {} it: give the same "
                                   "--samples as the run that wrote it (the samples of the trials done are {})",
                                   r.name(), x.empty() ? "without" : "with", x.empty() ? "with" : "without",
                                   x.empty() ? "not in it" : "in it"));
  if (x.size() != n)
    throw ArchiveError(fmt::format("{}: {}: {} values where this run has {} (written for another scenario or "
                                   "trial range?)",
                                   r.name(), what, x.size(), n));
  v = std::move(x);
}
template <class T>
void read_same(ArchiveReader& r, std::vector<T>& v, const char* what) {
  read_exact(r, v, v.size(), what);
}

void save_moments(ArchiveWriter& w, const std::vector<Moments>& m) {
  w.u64(m.size());
  for (const Moments& x : m) x.save(w);
}
void load_moments(ArchiveReader& r, std::vector<Moments>& m, const char* what) {
  const std::uint64_t n = r.u64();
  if (n != m.size())
    throw ArchiveError(fmt::format("{}: {}: {} moments where this run has {} (written for another scenario?)", r.name(),
                                   what, n, m.size()));
  for (Moments& x : m) x.load(r);
}

/// A LogHistogram as its zeros and its non-zero bins (index, count, smallest value and how many
/// equal it, largest value and how many equal it) in increasing order.
void save_histogram(ArchiveWriter& w, const LogHistogram& h) {
  w.u64(h.zeros());
  std::uint64_t nz = 0;
  for (const std::uint64_t c : h.bins()) nz += c != 0 ? 1U : 0U;
  w.u64(nz);
  for (std::size_t b = 0; b < LogHistogram::kBins; ++b)
    if (h.bins()[b] != 0) {
      w.u64(b);
      w.u64(h.bins()[b]);
      const LogHistogram::Edge& e = h.edge(b);
      w.f64(e.lo);
      w.u64(e.n_lo);
      w.f64(e.hi);
      w.u64(e.n_hi);
    }
}
LogHistogram load_histogram(ArchiveReader& r) {
  LogHistogram h;
  h.add_zeros(r.u64());
  const std::uint64_t nz = r.u64();
  if (nz > LogHistogram::kBins)
    throw ArchiveError(fmt::format("{}: a histogram with {} bins (at most {})", r.name(), nz, LogHistogram::kBins));
  std::uint64_t next = 0;
  for (std::uint64_t i = 0; i < nz; ++i) {
    const std::uint64_t b = r.u64();
    if (b < next || b >= LogHistogram::kBins)
      throw ArchiveError(fmt::format("{}: a histogram bin index {} out of order or range", r.name(), b));
    const std::uint64_t k = r.u64();
    LogHistogram::Edge e;
    e.lo = r.f64();
    e.n_lo = r.u64();
    e.hi = r.f64();
    e.n_hi = r.u64();
    // Edges inside their bin (which makes every estimate monotone in the rank), counts that add
    // up: at least one value at each edge; all of them when the edges meet.
    const bool ok = k > 0 && e.lo > 0 && e.lo <= e.hi && LogHistogram::bin(e.lo) == b && LogHistogram::bin(e.hi) == b &&
                    e.n_lo >= 1 && e.n_hi >= 1 &&
                    (e.lo == e.hi ? e.n_lo == k && e.n_hi == k : e.n_lo <= k && e.n_hi <= k - e.n_lo);
    if (!ok)
      throw ArchiveError(fmt::format("{}: a histogram bin {} with count {} and edges {} (x{}), {} (x{})", r.name(), b, k,
                                     e.lo, e.n_lo, e.hi, e.n_hi));
    h.add_to_bin(b, k, e);
    next = b + 1;
  }
  return h;
}

void save_histograms(ArchiveWriter& w, const std::vector<LogHistogram>& v) {
  w.u64(v.size());
  for (const LogHistogram& h : v) save_histogram(w, h);
}
void load_histograms(ArchiveReader& r, std::vector<LogHistogram>& v) {
  const std::uint64_t n = r.u64();
  if (n != v.size())
    throw ArchiveError(fmt::format("{}: {} histograms where this run has {} (written for another scenario?)", r.name(), n,
                                   v.size()));
  for (LogHistogram& h : v) h = load_histogram(r);
}

/// The trials [lo, hi) a reader found, checked for order.
std::pair<std::uint64_t, std::uint64_t> read_range(ArchiveReader& r) {
  const std::uint64_t lo = r.u64(), hi = r.u64();
  if (hi < lo) throw ArchiveError(fmt::format("{}: a part of trials [{}, {}): ends before it begins", r.name(), lo, hi));
  return {lo, hi};
}

/// append(q): q must begin where the part ends, on a block boundary.
void check_append(std::uint64_t hi, std::uint64_t q_lo, std::uint64_t block, const char* what) {
  if (q_lo != hi || q_lo % block != 0)
    throw std::logic_error(fmt::format("{}::Part::append: a part beginning at trial {} cannot follow one ending at {} "
                                       "(blocks of {})",
                                       what, q_lo, hi, block));
}
/// merge(p): p must begin where the accumulator ends.
void check_merge(std::uint64_t trials, std::uint64_t p_lo, const char* what) {
  if (p_lo != trials)
    throw std::logic_error(fmt::format("{}::merge: a part beginning at trial {} cannot follow trials [0, {})", what, p_lo,
                                       trials));
}

}  // namespace

std::uint64_t blocks_touched(std::uint64_t lo, std::uint64_t hi, std::uint64_t block) noexcept {
  return hi <= lo ? 1 : (hi - 1) / block - lo / block + 1;
}

void expect_tag(ArchiveReader& r, std::string_view tag) {
  const std::string got = r.str();
  if (got != tag) throw ArchiveError(fmt::format("{}: expected {} state, found '{}'", r.name(), tag, got));
}

template <class B>
void PartSums<B>::load(ArchiveReader& r, const B& zero, std::uint64_t lo, std::uint64_t hi, std::uint64_t block) {
  const std::uint64_t n = r.u64(), want = blocks_touched(lo, hi, block) - 1;
  if (n != want)
    throw ArchiveError(fmt::format("{}: a part of trials [{}, {}) with {} block sums (expected {})", r.name(), lo, hi,
                                   n + 1, want + 1));
  closed.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    B b = zero;
    b.load(r);
    closed.push_back(std::move(b));
  }
  last = zero;
  last.load(r);
}

void BlockSums::save(ArchiveWriter& w) const {
  save_moments(w, total);
  w.vec(channel);
  w.vec(face);
  w.vec(account);
  w.vec(largest);
  w.vec(top5);
}

void BlockSums::load(ArchiveReader& r) {
  load_moments(r, total, "block sums of the yearly totals");
  read_same(r, channel, "block sums by year and channel");
  read_same(r, face, "block sums of the face value");
  read_same(r, account, "block sums of account revenue");
  read_same(r, largest, "block sums of the largest customer's share");
  read_same(r, top5, "block sums of the top-5 customers' share");
}

void TrialCounts::save(ArchiveWriter& w) const {
  for (const auto* v : {&above, &alive, &listed, &first, &fails, &acc_prod, &acc_month, &fc_less, &fc_equal,
                        &with_revenue, &over_half})
    w.vec(*v);
}

void TrialCounts::load(ArchiveReader& r) {
  for (auto* v : {&above, &alive, &listed, &first, &fails, &acc_prod, &acc_month, &fc_less, &fc_equal, &with_revenue,
                  &over_half})
    read_same(r, *v, "trial counts");
}

// ---- Summaries shared by both modes ------------------------------------------------------------

namespace {

/// Runway (§5, v2) from the failures counted per month over N trials: type-7 quantiles of the
/// failure month, survivors failing after the horizon (a quantile that needs one is nullopt).
Runway runway_of(const std::vector<std::uint64_t>& fails, std::uint64_t N) {
  Runway rw;
  if (N == 0) return rw;
  auto q = [&](double p) -> std::optional<double> {
    // Survivors sort after the horizon: +inf, and a quantile touching one is not finite.
    const double v = quantile_of_counts(fails, N, p, std::numeric_limits<double>::infinity());
    return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
  };
  rw.p10 = q(0.10);
  rw.p50 = q(0.50);
  rw.p90 = q(0.90);
  auto alive_at = [&](std::size_t months) -> std::optional<double> {
    if (months > fails.size()) return std::nullopt;
    std::uint64_t failed = 0;
    for (std::size_t m = 0; m < months; ++m) failed += fails[m];
    return static_cast<double>(N - failed) / static_cast<double>(N);
  };
  rw.alive_12 = alive_at(12);
  rw.alive_24 = alive_at(24);
  rw.alive_36 = alive_at(36);
  return rw;
}

/// The report's histogram of one year: 40 bins over (0, hi], hi a round number covering P95
/// and 1.25 x the threshold; values added with add_to().
constexpr std::size_t kHistogramBins = 40;
Histogram empty_histogram(int year, double p95, double threshold) {
  Histogram h;
  h.year = year;
  h.hi = round_up_nice(std::max(p95, 1.25 * threshold));
  h.counts.assign(kHistogramBins, 0);
  return h;
}
void add_to(Histogram& h, double v, std::uint64_t k) {
  const double w = h.hi / kHistogramBins;
  if (v <= 0) h.zeros += k;
  else if (v > h.hi) h.above += k;
  else h.counts[std::min(kHistogramBins - 1, static_cast<std::size_t>(std::ceil(v / w)) - 1)] += k;
}

/// What both modes compute alike from the integer tallies and the block sums: the header, per
/// year P(>= threshold) with its standard error, P(alive), P(listing); first crossing,
/// survival, runway, concentration, accounts' P(production), the forecast audit but its
/// quantiles. The mode fills the rest (moments, quantiles, histograms, account means).
Results common_results(const Dims& d, const TrialCounts& c, const BlockSums& sums, std::uint64_t N,
                       std::uint64_t seed) {
  const Scenario& s = d.s;
  Results r;
  r.scenario = s.name;
  r.trials = N;
  r.seed = seed;
  r.threshold = s.threshold;
  r.start_year = s.start_year;
  r.start_month_in_year = s.start_month_in_year;
  const auto n = static_cast<double>(N);
  for (std::size_t y = 0; y < d.Y; ++y) {
    YearStats ys;
    ys.year = s.start_year + static_cast<int>(y);
    ys.p_threshold = static_cast<double>(c.above[y]) / n;
    ys.p_threshold_se = binomial_se(ys.p_threshold, n);
    ys.p_alive = static_cast<double>(c.alive[y]) / n;
    ys.p_listing = static_cast<double>(c.listed[y]) / n;
    r.years.push_back(ys);
  }
  for (std::size_t y = 0; y < d.Y; ++y)
    r.first_crossing.emplace_back(std::to_string(s.start_year + static_cast<int>(y)), static_cast<double>(c.first[y]) / n);
  r.first_crossing.emplace_back("never", static_cast<double>(c.first[d.Y]) / n);
  std::uint64_t failed = 0;
  for (std::size_t m = 0; m < d.H; ++m) {
    failed += c.fails[m];
    r.survival.push_back(static_cast<double>(N - failed) / n);
  }
  r.runway = runway_of(c.fails, N);
  for (std::size_t y = 0; y < d.Y; ++y) {
    ConcentrationYear cy;
    cy.year = s.start_year + static_cast<int>(y);
    cy.trials = c.with_revenue[y];
    if (cy.trials > 0) {
      const auto k = static_cast<double>(cy.trials);
      cy.largest_share = sums.largest[y] / k;
      cy.top5_share = sums.top5[y] / k;
      cy.p_largest_over_half = static_cast<double>(c.over_half[y]) / k;
    }
    r.concentration.push_back(cy);
  }
  for (std::size_t a = 0; a < d.A; ++a) {
    AccountStats as;
    const std::size_t ni = d.internet_accounts;
    as.name = a < ni ? s.channels.internet.accounts[a].name : s.channels.carriers.operators[a - ni].name;
    as.channel = a < ni ? Channel::internet : Channel::carriers;
    as.p_production = static_cast<double>(c.acc_prod[a]) / n;
    r.accounts.push_back(as);
  }
  for (std::size_t f = 0; f < d.F; ++f) {
    const std::size_t y = d.forecast_year[f];
    ForecastYear fy;
    fy.year = s.start_year + static_cast<int>(y);
    fy.forecast = d.forecast[f];
    // 100 (P(x < f) + P(x = f) / 2) and P(x >= f).
    fy.percentile = 100.0 * (static_cast<double>(c.fc_less[f]) + 0.5 * static_cast<double>(c.fc_equal[f])) / n;
    fy.p_at_least = static_cast<double>(N - c.fc_less[f]) / n;
    for (std::size_t e = 0; e < d.E; ++e) {
      const double v = sums.face[e * d.Y + y] / n;
      fy.face_value += v;
      if (v > 0) fy.face_by_entity.emplace_back(d.entity_names[e], v);
    }
    std::stable_sort(fy.face_by_entity.begin(), fy.face_by_entity.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    r.forecast_audit.push_back(fy);
  }
  return r;
}

}  // namespace

// ---- Exact samples -----------------------------------------------------------------------------

ExactSamples::ExactSamples(const Dims& d, bool keep_top5)
    : d_(&d), keep_top5_(keep_top5), zero_(d), chain_(BlockSums(d)), counts_(d) {}

ExactSamples::Part::Part(const Dims& dims, BlockSums s, std::uint64_t first, bool top5_too)
    : d(&dims), lo(first), hi(first), sums{{}, std::move(s)}, counts(dims), keep_top5(top5_too) {
  // Room for a block's trials: add() then never reallocates.
  Samples::each(dims, keep_top5, [&](auto m, std::size_t width, const char*) { (samples.*m).reserve(kBlock * width); });
}

void ExactSamples::Part::add(std::span<const TrialOutcome> outcomes, std::uint64_t t) {
  const TrialOutcome& o = outcomes.front();
  hi = t + 1;
  sums.last.add(o);
  counts.add(*d, o);
  Samples& s = samples;
  s.revenue.insert(s.revenue.end(), o.revenue.begin(), o.revenue.end());
  s.fail_month.push_back(o.fail_month);
  s.listing.push_back(o.listing);
  s.account_revenue.insert(s.account_revenue.end(), o.account_revenue.begin(), o.account_revenue.end());
  s.account_first.insert(s.account_first.end(), o.account_first.begin(), o.account_first.end());
  if (keep_top5) s.top5.insert(s.top5.end(), o.top5_share.begin(), o.top5_share.end());
  if (d->record) {
    s.inputs.insert(s.inputs.end(), o.inputs.begin(), o.inputs.end());
    s.cash.insert(s.cash.end(), o.cash.begin(), o.cash.end());
  }
}

void Samples::append(const Samples& q, const Dims& d, bool keep_top5) {
  each(d, keep_top5, [&](auto m, std::size_t, const char*) {
    auto& to = this->*m;
    const auto& from = q.*m;
    if (to.capacity() < to.size() + from.size()) reserve_advised(to, std::max(2 * to.capacity(), to.size() + from.size()));
    to.insert(to.end(), from.begin(), from.end());
  });
}

void Samples::reserve(std::uint64_t trials, const Dims& d, bool keep_top5) {
  each(d, keep_top5, [&](auto m, std::size_t width, const char*) { reserve_populated(this->*m, trials * width); });
}

void Samples::save(ArchiveWriter& w, const Dims& d, bool keep_top5) const {
  std::size_t bytes = 0;
  each(d, keep_top5, [&](auto m, std::size_t, const char*) { bytes += 8 * (1 + (this->*m).size()); });
  w.reserve(bytes);
  each(d, keep_top5, [&](auto m, std::size_t, const char*) { w.vec(this->*m); });
}

void Samples::load(ArchiveReader& r, const Dims& d, bool keep_top5, std::uint64_t n) {
  each(d, keep_top5, [&](auto m, std::size_t width, const char* what) { read_exact(r, this->*m, n * width, what); });
}

void ExactSamples::reserve(std::uint64_t trials) { s_.reserve(trials, *d_, keep_top5_); }

void ExactSamples::Part::append(Part&& q) {
  check_append(hi, q.lo, kBlock, "ExactSamples");
  sums.append(std::move(q.sums));
  counts.merge(q.counts);
  samples.append(q.samples, *d, keep_top5);
  hi = q.hi;
}

void ExactSamples::Part::save(ArchiveWriter& w) const {
  w.str("ExactSamples.Part");
  w.u64(lo);
  w.u64(hi);
  w.u64(keep_top5 ? 1 : 0);
  sums.save(w);
  counts.save(w);
  samples.save(w, *d, keep_top5);
}

namespace {
void check_top5(ArchiveReader& r, bool mine) {
  const std::uint64_t t = r.u64();
  if (t != (mine ? 1U : 0U))
    throw ArchiveError(fmt::format("{}: {} the top-5 shares per trial, this run {}", r.name(), t != 0 ? "keeps" : "drops",
                                   mine ? "keeps them" : "does not"));
}
}  // namespace

ExactSamples::Part ExactSamples::load_part(ArchiveReader& r) const {
  expect_tag(r, "ExactSamples.Part");
  const auto [lo, hi] = read_range(r);
  check_top5(r, keep_top5_);
  Part p(*d_, zero_, lo, keep_top5_);
  p.hi = hi;
  p.sums.load(r, zero_, lo, hi, kBlock);
  p.counts.load(r);
  p.samples.load(r, *d_, keep_top5_, hi - lo);
  return p;
}

void ExactSamples::save(ArchiveWriter& w) const {
  w.str("ExactSamples");
  w.u64(keep_top5_ ? 1 : 0);
  w.u64(n_);
  chain_.save(w);
  counts_.save(w);
  s_.save(w, *d_, keep_top5_);
}

void ExactSamples::load(ArchiveReader& r) {
  expect_tag(r, "ExactSamples");
  check_top5(r, keep_top5_);
  const std::uint64_t n = r.u64();
  chain_.load(r);
  counts_.load(r);
  s_.load(r, *d_, keep_top5_, n);
  n_ = n;
}

void ExactSamples::merge(Part&& p) {
  check_merge(n_, p.lo, "ExactSamples");
  chain_.merge(std::move(p.sums), p.lo, kBlock);
  counts_.merge(p.counts);
  s_.append(p.samples, *d_, keep_top5_);
  n_ = p.hi;
}

RunOutput run_output(const ExactSamples& acc, const Prepared& P, Results r) {
  RunOutput out;
  out.results = std::move(r);
  const std::size_t N = acc.trials();
  const auto Y = static_cast<std::size_t>(P.Y);
  out.listing = acc.listing();
  out.revenue = acc.revenue();
  out.fail_month = acc.fail_month();
  out.input_names = P.input_names;
  out.inputs = acc.inputs();
  out.cash = acc.cash();
  out.totals.resize(N * Y);
  for (std::size_t t = 0; t < N; ++t)
    for (std::size_t y = 0; y < Y; ++y) out.totals[t * Y + y] = acc.total(t, y);
  return out;
}

double ExactSamples::total(std::size_t t, std::size_t y) const {
  double s = 0;
  for (std::size_t c = 0; c < kChannels; ++c) s += s_.revenue[(t * d_->Y + y) * kChannels + c];
  return s;
}

namespace {

/// Type-7 quantiles of x at each of ps (quantiles_select: the values quantile_sorted of the
/// sorted data gives, without a sort: the summary of a fast scenario's run spent more in
/// std::sort than in 10 % of its trials). Reorders x.
template <std::size_t K>
std::array<double, K> quantiles(std::span<double> x, const std::array<double, K>& ps) {
  std::array<double, K> q{};
  quantiles_select(x, ps, q);
  return q;
}

}  // namespace

Results ExactSamples::results(std::uint64_t seed, const RunMonitor* monitor) const {
  const Dims& d = *d_;
  const std::uint64_t N = n_;
  const std::size_t Y = d.Y, A = d.A;
  Results r = common_results(d, counts_, chain_.total(), N, seed);
  const auto n = static_cast<double>(N);
  // One pass over the year's samples gathers its total (summed as total() sums it), its
  // channels' sums and which channels are all +0.0; then a column only for each channel that is
  // not (one buffer for all four: fresh memory costs a page fault per 4 KiB page at first write,
  // populated in bulk here, docs/performance.md "Round four").
  std::vector<double> x, xc;
  for (std::vector<double>* v : {&x, &xc}) {
    reserve_populated(*v, N);
    v->resize(N);
  }
  const double* const rev = s_.revenue.data();
  for (std::size_t y = 0; y < Y; ++y) {
    if (monitor != nullptr && monitor->stop_requested()) throw RunCancelled(N, N);
    YearStats& ys = r.years[y];
    std::array<double, kChannels> sum{};
    std::array<bool, kChannels> zeros{true, true, true, true};  // every value +0.0 (a channel the scenario lacks)
    std::array<bool, kChannels> same{true, true, true, true};   // every value the year's total, bit for bit
    for (std::size_t t = 0; t < N; ++t) {
      const double* const v = rev + (t * Y + y) * kChannels;
      double total = 0;
      for (std::size_t c = 0; c < kChannels; ++c) {
        total += v[c];
        sum[c] += v[c];
        zeros[c] = zeros[c] && std::bit_cast<std::uint64_t>(v[c]) == 0;
      }
      x[t] = total;
      for (std::size_t c = 0; c < kChannels; ++c)
        same[c] = same[c] && std::bit_cast<std::uint64_t>(v[c]) == std::bit_cast<std::uint64_t>(total);
    }
    const MeanSd ms = mean_sd(x);
    ys.mean = ms.mean;
    ys.sd = ms.sd;
    const auto q = quantiles<7>(x, {0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95});
    ys.p5 = q[0], ys.p10 = q[1], ys.p25 = q[2], ys.p50 = q[3], ys.p75 = q[4], ys.p90 = q[5], ys.p95 = q[6];
    // The counts per bin do not depend on the order of the values.
    Histogram h = empty_histogram(ys.year, ys.p95, d.s.threshold);
    for (double v : x) add_to(h, v, 1);
    r.histograms.push_back(std::move(h));
    for (std::size_t c = 0; c < kChannels; ++c) {
      ChannelStats& cs = ys.channels[c];
      // The mean as mean_sd gives it (the sum in trial order over N).
      cs.mean = N > 0 ? sum[c] / n : 0.0;
      if (zeros[c]) {
        cs.p50 = cs.p90 = 0.0;  // what selection gives on +0.0 values
      } else if (same[c]) {
        // The only channel with revenue: its column is the totals, and a type-7 quantile is a
        // function of the sorted values and p only.
        cs.p50 = ys.p50;
        cs.p90 = ys.p90;
      } else {
        for (std::size_t t = 0; t < N; ++t) xc[t] = rev[(t * Y + y) * kChannels + c];
        const auto qc = quantiles<2>(xc, {0.5, 0.9});
        cs.p50 = qc[0];
        cs.p90 = qc[1];
      }
      cs.share = ys.mean > 0 ? cs.mean / ys.mean : 0.0;
    }
  }
  for (std::size_t a = 0; a < A; ++a) {
    AccountStats& as = r.accounts[a];
    double sum = 0;
    std::vector<double> months;
    for (std::size_t t = 0; t < N; ++t) {
      sum += s_.account_revenue[t * A + a];
      const int f = s_.account_first[t * A + a];
      if (f >= 0) months.push_back(f);
    }
    as.mean_revenue = sum / n;
    if (!months.empty()) as.median_first_order_month = quantiles<1>(months, {0.5})[0];
  }
  // The forecast's P10, P50 and P90 are those of the year's total above (the same type-7
  // quantiles of the same values).
  for (ForecastYear& fy : r.forecast_audit) {
    const YearStats& ys = r.years[static_cast<std::size_t>(fy.year - d.s.start_year)];
    fy.p10 = ys.p10;
    fy.p50 = ys.p50;
    fy.p90 = ys.p90;
  }
  return r;
}

// ---- Streaming tally ---------------------------------------------------------------------------

StreamingTally::StreamingTally(const Dims& d)
    : d_(&d), zero_(d), chain_(BlockSums(d)), counts_(d), hist_(d.Y * (1 + kChannels)) {}

StreamingTally::Part::Part(const Dims& dims, BlockSums s, std::uint64_t first)
    : d(&dims), lo(first), hi(first), sums{{}, std::move(s)}, counts(dims), hist(dims.Y * (1 + kChannels)) {}

void StreamingTally::Part::add(std::span<const TrialOutcome> outcomes, std::uint64_t t) {
  const TrialOutcome& o = outcomes.front();
  hi = t + 1;
  sums.last.add(o);
  counts.add(*d, o);
  for (std::size_t y = 0; y < d->Y; ++y) {
    hist[y * (1 + kChannels)].add(o.year_total(static_cast<int>(y)));
    for (std::size_t c = 0; c < kChannels; ++c) hist[y * (1 + kChannels) + 1 + c].add(o.revenue[y * kChannels + c]);
  }
}

void StreamingTally::Part::append(Part&& q) {
  check_append(hi, q.lo, kBlock, "StreamingTally");
  sums.append(std::move(q.sums));
  counts.merge(q.counts);
  for (std::size_t i = 0; i < hist.size(); ++i) hist[i].merge(q.hist[i]);
  hi = q.hi;
}

void StreamingTally::Part::save(ArchiveWriter& w) const {
  w.str("StreamingTally.Part");
  w.u64(lo);
  w.u64(hi);
  sums.save(w);
  counts.save(w);
  save_histograms(w, hist);
}

StreamingTally::Part StreamingTally::load_part(ArchiveReader& r) const {
  expect_tag(r, "StreamingTally.Part");
  const auto [lo, hi] = read_range(r);
  Part p(*d_, zero_, lo);
  p.hi = hi;
  p.sums.load(r, zero_, lo, hi, kBlock);
  p.counts.load(r);
  load_histograms(r, p.hist);
  return p;
}

void StreamingTally::save(ArchiveWriter& w) const {
  w.str("StreamingTally");
  w.u64(n_);
  chain_.save(w);
  counts_.save(w);
  save_histograms(w, hist_);
}

void StreamingTally::load(ArchiveReader& r) {
  expect_tag(r, "StreamingTally");
  const std::uint64_t n = r.u64();
  chain_.load(r);
  counts_.load(r);
  load_histograms(r, hist_);
  n_ = n;
}

void StreamingTally::merge(Part&& p) {
  check_merge(n_, p.lo, "StreamingTally");
  chain_.merge(std::move(p.sums), p.lo, kBlock);
  counts_.merge(p.counts);
  for (std::size_t i = 0; i < hist_.size(); ++i) hist_[i].merge(p.hist[i]);
  n_ = p.hi;
}

std::vector<double> StreamingTally::variances() const {
  const BlockSums sums = chain_.total();
  std::vector<double> v;
  for (const Moments& m : sums.total) v.push_back(m.n > 1 ? m.m2 / (m.n - 1) : 0.0);
  return v;
}

Results StreamingTally::results(std::uint64_t seed) const {
  const Dims& d = *d_;
  const std::uint64_t N = n_;
  const BlockSums sums = chain_.total();
  Results r = common_results(d, counts_, sums, N, seed);
  r.quantiles = "streaming";
  const auto n = static_cast<double>(N);
  for (std::size_t y = 0; y < d.Y; ++y) {
    const LogHistogram& h = hist_[y * (1 + kChannels)];
    YearStats& ys = r.years[y];
    ys.mean = sums.total[y].mean;
    ys.sd = N > 1 ? std::sqrt(sums.total[y].m2 / (n - 1)) : 0.0;
    ys.p5 = h.quantile(0.05);
    ys.p10 = h.quantile(0.10);
    ys.p25 = h.quantile(0.25);
    ys.p50 = h.quantile(0.50);
    ys.p75 = h.quantile(0.75);
    ys.p90 = h.quantile(0.90);
    ys.p95 = h.quantile(0.95);
    for (std::size_t c = 0; c < kChannels; ++c) {
      ChannelStats& cs = ys.channels[c];
      const LogHistogram& hc = hist_[y * (1 + kChannels) + 1 + c];
      cs.mean = sums.channel[y * kChannels + c] / n;
      cs.p50 = hc.quantile(0.5);
      cs.p90 = hc.quantile(0.9);
      cs.share = ys.mean > 0 ? cs.mean / ys.mean : 0.0;
    }
    // The report's histogram, rebinned from the log-histogram (each log bin at its middle, kept
    // inside the values it holds: a bin of equal values at that value).
    Histogram hg = empty_histogram(ys.year, ys.p95, d.s.threshold);
    hg.zeros = h.zeros();
    for (std::size_t b = 0; b < LogHistogram::kBins; ++b)
      if (h.bins()[b] != 0)
        add_to(hg, std::clamp(LogHistogram::middle(b), h.edge(b).lo, h.edge(b).hi), h.bins()[b]);
    r.histograms.push_back(std::move(hg));
  }
  for (std::size_t a = 0; a < d.A; ++a) {
    AccountStats& as = r.accounts[a];
    as.mean_revenue = sums.account[a] / n;
    if (counts_.acc_prod[a] > 0)
      as.median_first_order_month = quantile_of_counts(
          std::span<const std::uint64_t>(counts_.acc_month).subspan(a * d.H, d.H), counts_.acc_prod[a], 0.5,
          static_cast<double>(d.H - 1));
  }
  for (ForecastYear& fy : r.forecast_audit) {
    const LogHistogram& h = hist_[static_cast<std::size_t>(fy.year - d.s.start_year) * (1 + kChannels)];
    fy.p10 = h.quantile(0.10);
    fy.p50 = h.quantile(0.50);
    fy.p90 = h.quantile(0.90);
  }
  return r;
}

// ---- Paired tally ------------------------------------------------------------------------------

namespace {
/// First fiscal year whose listing bit is set, or a large number for never.
int first_listing(std::uint32_t bits) {
  for (int y = 0; y < 32; ++y)
    if ((bits >> static_cast<unsigned>(y)) & 1U) return y;
  return std::numeric_limits<int>::max();
}
}  // namespace

PairedTally::PairedTally(std::size_t scenarios, std::size_t years, double threshold)
    : K_(scenarios), Y_(years), threshold_(threshold), zero_{std::vector<Moments>((scenarios - 1) * years)},
      chain_(zero_), total_(part(0)) {}

PairedTally::Part PairedTally::part(std::uint64_t lo) const {
  const std::size_t n = (K_ - 1) * Y_;
  return Part{this, lo, lo, {{}, chain_.start(lo, kBlock, zero_)}, std::vector<std::uint64_t>(n), std::vector<std::uint64_t>(n),
              std::vector<std::uint64_t>(n), std::vector<std::uint64_t>(n), std::vector<std::uint64_t>(K_ - 1),
              std::vector<std::uint64_t>(K_ - 1)};
}

void PairedTally::Part::add(std::span<const TrialOutcome> o, std::uint64_t t) {
  hi = t + 1;
  const double thr = p->threshold_;
  const int fa = first_listing(o[0].listing);
  for (std::size_t k = 1; k < p->K_; ++k) {
    for (std::size_t y = 0; y < p->Y_; ++y) {
      const double ra = o[0].year_total(static_cast<int>(y)), rb = o[k].year_total(static_cast<int>(y));
      const std::size_t i = (k - 1) * p->Y_ + y;
      sums.last.diff[i].add(rb - ra);
      up[i] += rb >= thr && ra < thr ? 1U : 0U;
      down[i] += ra >= thr && rb < thr ? 1U : 0U;
      greater[i] += rb > ra ? 1U : 0U;
      less[i] += rb < ra ? 1U : 0U;
    }
    const int fb = first_listing(o[k].listing);
    before[k - 1] += fb < fa ? 1U : 0U;
    after[k - 1] += fa < fb ? 1U : 0U;
  }
}

namespace {
void add_counts(PairedTally::Part& to, const PairedTally::Part& p) {
  auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(to.up, p.up), add(to.down, p.down), add(to.greater, p.greater), add(to.less, p.less);
  add(to.before, p.before), add(to.after, p.after);
}
void save_counts(ArchiveWriter& w, const PairedTally::Part& p) {
  for (const auto* v : {&p.up, &p.down, &p.greater, &p.less, &p.before, &p.after}) w.vec(*v);
}
}  // namespace

void PairedTally::load_counts(ArchiveReader& r, Part& q) const {
  for (auto* v : {&q.up, &q.down, &q.greater, &q.less}) read_exact(r, *v, (K_ - 1) * Y_, "paired counts");
  for (auto* v : {&q.before, &q.after}) read_exact(r, *v, K_ - 1, "paired listing counts");
}

void PairedTally::Sums::save(ArchiveWriter& w) const { save_moments(w, diff); }
void PairedTally::Sums::load(ArchiveReader& r) { load_moments(r, diff, "paired revenue differences"); }

void PairedTally::Part::append(Part&& q) {
  check_append(hi, q.lo, kBlock, "PairedTally");
  sums.append(std::move(q.sums));
  add_counts(*this, q);
  hi = q.hi;
}

void PairedTally::Part::save(ArchiveWriter& w) const {
  w.str("PairedTally.Part");
  w.u64(lo);
  w.u64(hi);
  sums.save(w);
  save_counts(w, *this);
}

PairedTally::Part PairedTally::load_part(ArchiveReader& r) const {
  expect_tag(r, "PairedTally.Part");
  const auto [lo, hi] = read_range(r);
  Part q = part(lo);
  q.hi = hi;
  q.sums.load(r, zero_, lo, hi, kBlock);
  load_counts(r, q);
  return q;
}

void PairedTally::save(ArchiveWriter& w) const {
  w.str("PairedTally");
  w.u64(K_);
  w.u64(Y_);
  w.f64(threshold_);
  w.u64(n_);
  chain_.save(w);
  save_counts(w, total_);
}

void PairedTally::load(ArchiveReader& r) {
  expect_tag(r, "PairedTally");
  const std::uint64_t k = r.u64(), y = r.u64();
  const double thr = r.f64();
  if (k != K_ || y != Y_ || thr != threshold_)
    throw ArchiveError(fmt::format("{}: a paired tally of {} scenarios, {} years, threshold {} where this run has {}, {}, {}",
                                   r.name(), k, y, thr, K_, Y_, threshold_));
  const std::uint64_t n = r.u64();
  chain_.load(r);
  load_counts(r, total_);
  n_ = n;
}

void PairedTally::merge(Part&& p) {
  check_merge(n_, p.lo, "PairedTally");
  chain_.merge(std::move(p.sums), p.lo, kBlock);
  add_counts(total_, p);
  n_ = p.hi;
}

void PairedTally::fill(std::vector<ComparedScenario>& out, const std::vector<std::vector<double>>& variances) const {
  const Sums sums = chain_.total();
  const auto n = static_cast<double>(n_);
  for (std::size_t y = 0; y < Y_; ++y)  // the baseline against itself: only the unpaired error differs from 0
    out[0].years[y].se_independent = std::sqrt(variances[0][y] / n + variances[0][y] / n);
  for (std::size_t k = 1; k < K_; ++k) {
    for (std::size_t y = 0; y < Y_; ++y) {
      const std::size_t i = (k - 1) * Y_ + y;
      PairedYear& py = out[k].years[y];
      const Moments& d = sums.diff[i];
      py.mean_diff = d.mean;
      py.se_paired = n_ > 1 ? std::sqrt(d.m2 / (n - 1) / n) : 0.0;
      // The indicator difference is -1, 0 or 1: its sum and sum of squares are counts.
      const double s = static_cast<double>(total_.up[i]) - static_cast<double>(total_.down[i]);
      py.p_threshold_diff = s / n;
      const double ss = std::max(0.0, static_cast<double>(total_.up[i] + total_.down[i]) - s * s / n);
      py.p_threshold_diff_se = n_ > 1 ? std::sqrt(ss / (n - 1) / n) : 0.0;
      py.se_independent = std::sqrt(variances[0][y] / n + variances[k][y] / n);
      py.p_greater = static_cast<double>(total_.greater[i]) / n;
      py.p_baseline_greater = static_cast<double>(total_.less[i]) / n;
    }
    out[k].p_lists_before_baseline = static_cast<double>(total_.before[k - 1]) / n;
    out[k].p_baseline_lists_before = static_cast<double>(total_.after[k - 1]) / n;
  }
}

// ---- Sobol rows --------------------------------------------------------------------------------

double SobolRows::quantity(const TrialOutcome& o) const {
  if (stat_ == StatKind::mean || stat_ == StatKind::p50) return o.year_total(y_);
  if (stat_ == StatKind::p_threshold) return o.year_total(y_) >= threshold_ ? 1.0 : 0.0;
  if (stat_ == StatKind::p_listing) return ((o.listing >> static_cast<unsigned>(y_)) & 1U) != 0 ? 1.0 : 0.0;
  return o.alive_through(y_) ? 1.0 : 0.0;
}

void SobolRows::Part::add(std::span<const TrialOutcome> o, std::uint64_t) { f.push_back(r->quantity(o.front())); }

void SobolRows::merge(Part&& p) {
  check_merge(f_.size(), p.lo, "SobolRows");
  f_.insert(f_.end(), p.f.begin(), p.f.end());
}

void SobolRows::Part::append(Part&& q) {
  check_append(lo + f.size(), q.lo, kBlock, "SobolRows");
  f.insert(f.end(), q.f.begin(), q.f.end());
}

void SobolRows::Part::save(ArchiveWriter& w) const {
  w.str("SobolRows.Part");
  w.u64(lo);
  w.vec(f);
}

SobolRows::Part SobolRows::load_part(ArchiveReader& r) const {
  expect_tag(r, "SobolRows.Part");
  Part p{this, r.u64(), {}};
  p.f = r.vec<double>();
  return p;
}

void SobolRows::save(ArchiveWriter& w) const {
  w.str("SobolRows");
  w.u64(static_cast<std::uint64_t>(stat_));
  w.i64(y_);
  w.f64(threshold_);
  w.vec(f_);
}

void SobolRows::load(ArchiveReader& r) {
  expect_tag(r, "SobolRows");
  const std::uint64_t stat = r.u64();
  const std::int64_t y = r.i64();
  const double thr = r.f64();
  if (stat != static_cast<std::uint64_t>(stat_) || y != y_ || thr != threshold_)
    throw ArchiveError(fmt::format("{}: Sobol rows of another quantity (statistic, year or threshold differ)", r.name()));
  f_ = r.vec<double>();
}

template struct PartSums<BlockSums>;
template struct PartSums<PairedTally::Sums>;

}  // namespace revsim::detail
