// Accumulators of the trial loop and the summaries they give (issue 14).
#include "accumulators.hpp"

#include "revsim/engine.hpp"
#include "revsim/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
    : d(&dims), lo(first), hi(first), sums(std::move(s)), counts(dims), keep_top5(top5_too) {}

void ExactSamples::Part::add(std::span<const TrialOutcome> outcomes, std::uint64_t t) {
  const TrialOutcome& o = outcomes.front();
  hi = t + 1;
  sums.add(o);
  counts.add(*d, o);
  revenue.insert(revenue.end(), o.revenue.begin(), o.revenue.end());
  fail_month.push_back(o.fail_month);
  listing.push_back(o.listing);
  account_revenue.insert(account_revenue.end(), o.account_revenue.begin(), o.account_revenue.end());
  account_first.insert(account_first.end(), o.account_first.begin(), o.account_first.end());
  if (keep_top5) top5.insert(top5.end(), o.top5_share.begin(), o.top5_share.end());
  if (d->record) {
    inputs.insert(inputs.end(), o.inputs.begin(), o.inputs.end());
    cash.insert(cash.end(), o.cash.begin(), o.cash.end());
  }
}

void ExactSamples::reserve(std::uint64_t trials) {
  const std::size_t Y = d_->Y, A = d_->A;
  revenue_.reserve(trials * Y * kChannels);
  fail_month_.reserve(trials);
  listing_.reserve(trials);
  account_revenue_.reserve(trials * A);
  account_first_.reserve(trials * A);
  if (keep_top5_) top5_.reserve(trials * Y);
  if (d_->record) {
    inputs_.reserve(trials * d_->I);
    cash_.reserve(trials * Y);
  }
}

void ExactSamples::merge(Part&& p) {
  chain_.merge(std::move(p.sums), p.lo, kBlock);
  counts_.merge(p.counts);
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  append(revenue_, p.revenue);
  append(fail_month_, p.fail_month);
  append(listing_, p.listing);
  append(account_revenue_, p.account_revenue);
  append(account_first_, p.account_first);
  append(top5_, p.top5);
  append(inputs_, p.inputs);
  append(cash_, p.cash);
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
  for (std::size_t c = 0; c < kChannels; ++c) s += revenue_[(t * d_->Y + y) * kChannels + c];
  return s;
}

Results ExactSamples::results(std::uint64_t seed, const std::atomic<bool>* stop) const {
  const Dims& d = *d_;
  const std::uint64_t N = n_;
  const std::size_t Y = d.Y, A = d.A;
  Results r = common_results(d, counts_, chain_.total(), N, seed);
  const auto n = static_cast<double>(N);
  std::vector<double> x(N);
  std::vector<std::vector<double>> sorted_totals(Y);
  for (std::size_t y = 0; y < Y; ++y) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) throw RunCancelled(N, N);
    YearStats& ys = r.years[y];
    for (std::size_t t = 0; t < N; ++t) x[t] = total(t, y);
    const MeanSd ms = mean_sd(x);
    ys.mean = ms.mean;
    ys.sd = ms.sd;
    std::sort(x.begin(), x.end());
    ys.p5 = quantile_sorted(x, 0.05);
    ys.p10 = quantile_sorted(x, 0.10);
    ys.p25 = quantile_sorted(x, 0.25);
    ys.p50 = quantile_sorted(x, 0.50);
    ys.p75 = quantile_sorted(x, 0.75);
    ys.p90 = quantile_sorted(x, 0.90);
    ys.p95 = quantile_sorted(x, 0.95);
    Histogram h = empty_histogram(ys.year, ys.p95, d.s.threshold);
    for (double v : x) add_to(h, v, 1);
    r.histograms.push_back(std::move(h));
    sorted_totals[y] = x;
    for (std::size_t c = 0; c < kChannels; ++c) {
      for (std::size_t t = 0; t < N; ++t) x[t] = revenue_[(t * Y + y) * kChannels + c];
      ChannelStats& cs = ys.channels[c];
      cs.mean = mean_sd(x).mean;
      // Selection, not a sort: the same values in O(N) (p90 after p50 only looks above it).
      cs.p50 = quantile_select(x, 0.5);
      cs.p90 = quantile_select(x, 0.9);
      cs.share = ys.mean > 0 ? cs.mean / ys.mean : 0.0;
    }
  }
  for (std::size_t a = 0; a < A; ++a) {
    AccountStats& as = r.accounts[a];
    double sum = 0;
    std::vector<double> months;
    for (std::size_t t = 0; t < N; ++t) {
      sum += account_revenue_[t * A + a];
      const int f = account_first_[t * A + a];
      if (f >= 0) months.push_back(f);
    }
    as.mean_revenue = sum / n;
    if (!months.empty()) {
      std::sort(months.begin(), months.end());
      as.median_first_order_month = quantile_sorted(months, 0.5);
    }
  }
  for (ForecastYear& fy : r.forecast_audit) {
    const std::vector<double>& sorted = sorted_totals[static_cast<std::size_t>(fy.year - d.s.start_year)];
    fy.p10 = quantile_sorted(sorted, 0.10);
    fy.p50 = quantile_sorted(sorted, 0.50);
    fy.p90 = quantile_sorted(sorted, 0.90);
  }
  return r;
}

// ---- Streaming tally ---------------------------------------------------------------------------

StreamingTally::StreamingTally(const Dims& d)
    : d_(&d), zero_(d), chain_(BlockSums(d)), counts_(d), hist_(d.Y * (1 + kChannels)) {}

StreamingTally::Part::Part(const Dims& dims, BlockSums s, std::uint64_t first)
    : d(&dims), lo(first), hi(first), sums(std::move(s)), counts(dims), hist(dims.Y * (1 + kChannels)) {}

void StreamingTally::Part::add(std::span<const TrialOutcome> outcomes, std::uint64_t t) {
  const TrialOutcome& o = outcomes.front();
  hi = t + 1;
  sums.add(o);
  counts.add(*d, o);
  for (std::size_t y = 0; y < d->Y; ++y) {
    hist[y * (1 + kChannels)].add(o.year_total(static_cast<int>(y)));
    for (std::size_t c = 0; c < kChannels; ++c) hist[y * (1 + kChannels) + 1 + c].add(o.revenue[y * kChannels + c]);
  }
}

void StreamingTally::merge(Part&& p) {
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
    // The report's histogram, rebinned from the log-histogram (each log bin at its middle).
    Histogram hg = empty_histogram(ys.year, ys.p95, d.s.threshold);
    hg.zeros = h.zeros();
    for (std::size_t b = 0; b < LogHistogram::kBins; ++b)
      if (h.bins()[b] != 0) add_to(hg, LogHistogram::middle(b), h.bins()[b]);
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
  return Part{this, lo, lo, chain_.start(lo, kBlock, zero_), std::vector<std::uint64_t>(n), std::vector<std::uint64_t>(n),
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
      sums.diff[i].add(rb - ra);
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

void PairedTally::merge(Part&& p) {
  chain_.merge(std::move(p.sums), p.lo, kBlock);
  auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
    for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
  };
  add(total_.up, p.up), add(total_.down, p.down), add(total_.greater, p.greater), add(total_.less, p.less);
  add(total_.before, p.before), add(total_.after, p.after);
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

void SobolRows::merge(Part&& p) { f_.insert(f_.end(), p.f.begin(), p.f.end()); }

}  // namespace revsim::detail
