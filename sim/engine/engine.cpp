// The parallel engine: trials on oneTBB, each a pure function of (seed, trial index); per-trial
// outcomes land in arrays indexed by trial and are reduced in trial order, so results are
// byte-identical whatever the thread count (MODEL.md §6).
#include "revsim/engine.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <limits>
#include <memory>
#include <thread>

#include "../model/trial.hpp"
#include "revsim/statistics.hpp"
#include "revsim/streaming.hpp"

namespace revsim {

namespace {

/// An uninitialised array: every element is written by a trial before it is read, and the
/// OS maps the pages lazily, so a large run starts (and can be stopped) at once.
template <class T>
class Buffer {
 public:
  explicit Buffer(std::size_t n) : data_(std::make_unique_for_overwrite<T[]>(n)), n_(n) {}
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* begin() noexcept { return data_.get(); }
  std::size_t size() const noexcept { return n_; }

 private:
  std::unique_ptr<T[]> data_;
  std::size_t n_;
};

/// Everything kept per trial: yearly revenue by channel (for exact quantiles), the rest small.
struct Samples {
  std::size_t N = 0, Y = 0, A = 0;
  Buffer<double> revenue;  ///< [(trial * Y + year) * kChannels + channel]
  Buffer<int> fail_month;  ///< [trial]
  Buffer<std::uint32_t> listing;
  Buffer<double> account_revenue;  ///< [trial * A + account]
  Buffer<int> account_first;

  Samples(std::size_t n, std::size_t y, std::size_t a)
      : N(n),
        Y(y),
        A(a),
        revenue(n * y * kChannels),
        fail_month(n),
        listing(n),
        account_revenue(n * a),
        account_first(n * a) {}

  void store(std::size_t t, const TrialOutcome& o) {
    std::copy(o.revenue.begin(), o.revenue.end(), revenue.begin() + t * Y * kChannels);
    fail_month[t] = o.fail_month;
    listing[t] = o.listing;
    std::copy(o.account_revenue.begin(), o.account_revenue.end(), account_revenue.begin() + t * A);
    std::copy(o.account_first.begin(), o.account_first.end(), account_first.begin() + t * A);
  }
  double total(std::size_t t, std::size_t y) const {
    double s = 0;
    for (std::size_t c = 0; c < kChannels; ++c) s += revenue[(t * Y + y) * kChannels + c];
    return s;
  }
};

/// 40 bins over (0, hi], hi a round number covering P95 and 1.25 x the threshold; `sorted` ascending.
Histogram histogram(const std::vector<double>& sorted, int year, double threshold) {
  constexpr std::size_t kBins = 40;
  Histogram h;
  h.year = year;
  h.hi = round_up_nice(std::max(quantile_sorted(sorted, 0.95), 1.25 * threshold));
  h.counts.assign(kBins, 0);
  const double w = h.hi / kBins;
  for (double v : sorted) {
    if (v <= 0) ++h.zeros;
    else if (v > h.hi) ++h.above;
    else ++h.counts[std::min(kBins - 1, static_cast<std::size_t>(std::ceil(v / w)) - 1)];
  }
  return h;
}

/// Run blocks 0..blocks-1 on `threads` workers, one block per task (so a stop request is seen
/// within a block), each worker made by `make` and passed to run_block(worker, b); returns the
/// workers (for sums kept per worker). oneTBB normally; under ThreadSanitizer (Debian's libtbb
/// is not instrumented, so TSan cannot see its synchronisation) the same blocks run on
/// std::threads taking blocks from an atomic counter.
template <class Make, class RunBlock>
auto run_blocks(int threads, std::uint64_t blocks, Make make, RunBlock run_block) {
  using WorkerPtr = decltype(make());
  std::vector<WorkerPtr> out;
#ifndef REVSIM_STD_THREADS
  tbb::enumerable_thread_specific<WorkerPtr> workers(make);
  {
    // Allow more workers than cores when asked (--threads 8 on 2 cores), so the thread-count
    // invariance is exercised for real.
    const tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                          static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::uint64_t>(0, blocks, 1),
          [&](const tbb::blocked_range<std::uint64_t>& r) {
            for (std::uint64_t b = r.begin(); b != r.end(); ++b) run_block(*workers.local(), b);
          },
          tbb::simple_partitioner());
    });
  }
  for (auto& w : workers) out.push_back(std::move(w));
#else
  std::atomic<std::uint64_t> next{0};
  for (int i = 0; i < threads; ++i) out.push_back(make());
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      for (std::uint64_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) run_block(*out[static_cast<std::size_t>(i)], b);
    });
  for (std::thread& th : pool) th.join();
#endif
  return out;
}

/// Runway (§5, v2) from the failures counted per month over N trials: type-7 quantiles of the
/// failure month, survivors failing after the horizon (a quantile that needs one is nullopt).
Runway runway_of(const std::vector<std::uint64_t>& fails, std::uint64_t N) {
  Runway rw;
  if (N == 0) return rw;
  constexpr double kBeyond = std::numeric_limits<double>::infinity();
  // Value at 0-based rank r of the sorted failure months.
  auto at = [&](std::uint64_t r) {
    std::uint64_t seen = 0;
    for (std::size_t m = 0; m < fails.size(); ++m) {
      seen += fails[m];
      if (r < seen) return static_cast<double>(m);
    }
    return kBeyond;
  };
  auto q = [&](double p) -> std::optional<double> {
    const double h = p * static_cast<double>(N - 1);
    const auto lo = static_cast<std::uint64_t>(std::floor(h));
    const double a = at(lo);
    const double frac = h - static_cast<double>(lo);
    if (frac == 0) return std::isinf(a) ? std::nullopt : std::optional<double>(a);
    const double b = at(std::min(lo + 1, N - 1));
    if (std::isinf(a) || std::isinf(b)) return std::nullopt;
    return a + frac * (b - a);
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

/// Concentration sums of one block of trials, in trial order (§5, v2): per year the sum of the
/// largest customer's share and of the top-5 share over trials with revenue.
void add_concentration(double* sums, std::size_t Y, const TrialOutcome& o) {
  for (std::size_t y = 0; y < Y; ++y) {
    sums[y] += o.largest_share[y];
    sums[Y + y] += o.top5_share[y];
  }
}

/// Integer counts of concentration: trials with revenue and trials whose largest customer
/// holds more than half, per year.
struct ConcentrationCounts {
  std::vector<std::uint64_t> with_revenue, over_half;
  explicit ConcentrationCounts(std::size_t Y) : with_revenue(Y), over_half(Y) {}
  void add(const TrialOutcome& o) {
    for (std::size_t y = 0; y < with_revenue.size(); ++y) {
      if (o.year_total(static_cast<int>(y)) > 0) ++with_revenue[y];
      if (o.largest_share[y] > 0.5) ++over_half[y];
    }
  }
  void merge(const ConcentrationCounts& c) {
    for (std::size_t y = 0; y < with_revenue.size(); ++y) {
      with_revenue[y] += c.with_revenue[y];
      over_half[y] += c.over_half[y];
    }
  }
};

std::vector<ConcentrationYear> concentration_of(int start_year, const std::vector<double>& sums,
                                                const ConcentrationCounts& c) {
  std::vector<ConcentrationYear> out;
  const std::size_t Y = c.with_revenue.size();
  for (std::size_t y = 0; y < Y; ++y) {
    ConcentrationYear cy;
    cy.year = start_year + static_cast<int>(y);
    cy.trials = c.with_revenue[y];
    if (cy.trials > 0) {
      const auto n = static_cast<double>(cy.trials);
      cy.largest_share = sums[y] / n;
      cy.top5_share = sums[Y + y] / n;
      cy.p_largest_over_half = static_cast<double>(c.over_half[y]) / n;
    }
    out.push_back(cy);
  }
  return out;
}

Results summarise(const Scenario& s, const detail::Prepared& P, const Samples& S, std::uint64_t seed,
                  const std::atomic<bool>* stop) {
  auto check_stop = [&] {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) throw RunCancelled(S.N, S.N);
  };
  Results r;
  r.scenario = s.name;
  r.trials = S.N;
  r.seed = seed;
  r.threshold = s.threshold;
  r.start_year = s.start_year;
  r.start_month_in_year = s.start_month_in_year;
  const auto n = static_cast<double>(S.N);
  std::vector<double> x(S.N);
  std::vector<std::vector<double>> sorted_totals(S.Y);
  for (std::size_t y = 0; y < S.Y; ++y) {
    check_stop();
    YearStats ys;
    ys.year = s.start_year + static_cast<int>(y);
    std::size_t above = 0, alive = 0, listed = 0;
    const int year_end = s.year_end(static_cast<int>(y));  // alive through the year: no failure before it
    for (std::size_t t = 0; t < S.N; ++t) {
      x[t] = S.total(t, y);
      above += x[t] >= s.threshold ? 1U : 0U;
      alive += (S.fail_month[t] < 0 || S.fail_month[t] >= year_end) ? 1U : 0U;
      listed += (S.listing[t] >> y) & 1U;
    }
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
    ys.p_threshold = static_cast<double>(above) / n;
    ys.p_threshold_se = std::sqrt(ys.p_threshold * (1.0 - ys.p_threshold) / n);
    ys.p_alive = static_cast<double>(alive) / n;
    ys.p_listing = static_cast<double>(listed) / n;
    r.histograms.push_back(histogram(x, ys.year, s.threshold));
    sorted_totals[y] = x;
    for (std::size_t c = 0; c < kChannels; ++c) {
      for (std::size_t t = 0; t < S.N; ++t) x[t] = S.revenue[(t * S.Y + y) * kChannels + c];
      ChannelStats& cs = ys.channels[c];
      cs.mean = mean_sd(x).mean;
      // Selection, not a sort: the same values in O(N) (p90 after p50 only looks above it).
      cs.p50 = quantile_select(x, 0.5);
      cs.p90 = quantile_select(x, 0.9);
      cs.share = ys.mean > 0 ? cs.mean / ys.mean : 0.0;
    }
    r.years.push_back(ys);
  }
  // Survival: P(alive at the end of month m); runway from the same counts.
  const auto H = static_cast<std::size_t>(P.H);
  std::vector<std::uint64_t> fails(H, 0);
  for (std::size_t t = 0; t < S.N; ++t)
    if (S.fail_month[t] >= 0 && static_cast<std::size_t>(S.fail_month[t]) < H) ++fails[static_cast<std::size_t>(S.fail_month[t])];
  std::uint64_t failed = 0;
  for (std::size_t m = 0; m < H; ++m) {
    failed += fails[m];
    r.survival.push_back(static_cast<double>(S.N - failed) / n);
  }
  r.runway = runway_of(fails, S.N);
  // First crossing: the first fiscal year whose revenue reaches the threshold.
  std::vector<std::size_t> first(S.Y + 1, 0);
  for (std::size_t t = 0; t < S.N; ++t) {
    std::size_t y = 0;
    while (y < S.Y && S.total(t, y) < s.threshold) ++y;
    ++first[y];
  }
  for (std::size_t y = 0; y < S.Y; ++y)
    r.first_crossing.emplace_back(std::to_string(s.start_year + static_cast<int>(y)),
                                  static_cast<double>(first[y]) / n);
  r.first_crossing.emplace_back("never", static_cast<double>(first[S.Y]) / n);
  // Named accounts: internet accounts, then carrier operators.
  const std::size_t ni = P.internet_ids.size();
  for (std::size_t a = 0; a < S.A; ++a) {
    AccountStats as;
    as.name = a < ni ? s.channels.internet.accounts[a].name : s.channels.carriers.operators[a - ni].name;
    as.channel = a < ni ? Channel::internet : Channel::carriers;
    double sum = 0;
    std::vector<double> months;
    for (std::size_t t = 0; t < S.N; ++t) {
      sum += S.account_revenue[t * S.A + a];
      const int f = S.account_first[t * S.A + a];
      if (f >= 0) months.push_back(f);
    }
    as.mean_revenue = sum / n;
    as.p_production = static_cast<double>(months.size()) / n;
    if (!months.empty()) {
      std::sort(months.begin(), months.end());
      as.median_first_order_month = quantile_sorted(months, 0.5);
    }
    r.accounts.push_back(as);
  }
  // Forecast audit (§5, §8).
  for (const auto& [year, f] : s.forecast) {
    const auto y = static_cast<std::size_t>(year - s.start_year);
    const std::vector<double>& sorted = sorted_totals[y];
    ForecastYear fy;
    fy.year = year;
    fy.forecast = f;
    fy.percentile = percentile_of(sorted, f);
    fy.p_at_least = static_cast<double>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), f)) / n;
    fy.p10 = quantile_sorted(sorted, 0.10);
    fy.p50 = quantile_sorted(sorted, 0.50);
    fy.p90 = quantile_sorted(sorted, 0.90);
    r.forecast_audit.push_back(fy);
  }
  return r;
}

}  // namespace

TrialTrace trace_trial(const Scenario& s, std::uint64_t seed, std::uint64_t trial) {
  const detail::Prepared P(s);
  detail::TrialSimulator sim(P);
  TrialTrace trace;
  sim.run(seed, trial, trace.outcome, &trace);
  return trace;
}

std::vector<TrialOutcome> simulate_trials(const Scenario& s, std::uint64_t seed, std::uint64_t first,
                                          std::uint64_t count) {
  const detail::Prepared P(s);
  detail::TrialSimulator sim(P);
  std::vector<TrialOutcome> out(count);
  for (std::uint64_t i = 0; i < count; ++i) sim.run(seed, first + i, out[i]);
  return out;
}

std::uint64_t run_memory_bytes(const Scenario& s, std::uint64_t trials) {
  const auto Y = static_cast<std::uint64_t>(s.years);
  const std::uint64_t A = s.channels.internet.accounts.size() + s.channels.carriers.operators.size();
  // Samples: revenue (Y x 4 doubles), fail month, listing, accounts (double + int);
  // plus one sorted copy per year while summarising.
  const std::uint64_t per_trial = Y * kChannels * 8 + 4 + 4 + A * 12 + Y * 8;
  return trials * per_trial;
}

namespace {
RunOutput run_impl(const Scenario& s, const RunOptions& opt, bool keep_samples);
}  // namespace

Results run_streaming(const Scenario& s, const RunOptions& opt);

Results run_simulation(const Scenario& s, const RunOptions& opt) {
  const std::uint64_t N = opt.trials > 0 ? opt.trials : s.trials;
  if (!exact_quantiles(s, N)) return run_streaming(s, opt);
  return run_impl(s, opt, false).results;
}

RunOutput run_with_samples(const Scenario& s, const RunOptions& opt) { return run_impl(s, opt, true); }

namespace {
RunOutput run_impl(const Scenario& s, const RunOptions& opt, bool keep_samples) {
  const std::uint64_t N = opt.trials > 0 ? opt.trials : s.trials;
  const std::uint64_t seed = opt.seed_set ? opt.seed : s.seed;
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  const detail::Prepared P(s);
  Samples S(N, static_cast<std::size_t>(P.Y), P.n_accounts());

  struct Worker {
    explicit Worker(const detail::Prepared& p) : sim(p), concentration(static_cast<std::size_t>(p.Y)) {}
    detail::TrialSimulator sim;
    TrialOutcome out;
    ConcentrationCounts concentration;  ///< integer counts: exact in any order
  };
  std::atomic<std::uint64_t> done{0};
  // Trials run in fixed blocks of kBlock; sums that need no per-trial storage (the face value by
  // entity) are summed within each block in trial order and then over blocks in block order, so
  // they do not depend on the thread count either.
  constexpr std::uint64_t kBlock = 256;
  const std::uint64_t blocks = (N + kBlock - 1) / kBlock;
  const std::size_t Y = static_cast<std::size_t>(P.Y);
  const std::size_t EY = P.entity_names.size() * Y;
  const std::size_t stride = EY + 2 * Y;  // face value by entity, then concentration sums
  std::vector<double> block_face(blocks * stride, 0.0);
  auto run_block = [&](Worker& w, std::uint64_t b) {
    const std::uint64_t begin = b * kBlock, end = std::min(N, begin + kBlock);
    double* face = block_face.data() + b * stride;
    for (std::uint64_t t = begin; t != end; ++t) {
      if (opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed)) return;
      w.sim.run(seed, t, w.out);
      S.store(t, w.out);
      for (std::size_t i = 0; i < EY; ++i) face[i] += w.out.entity_face[i];
      add_concentration(face + EY, Y, w.out);
      w.concentration.add(w.out);
    }
    done.fetch_add(end - begin, std::memory_order_relaxed);
    if (opt.progress != nullptr) opt.progress->fetch_add(end - begin, std::memory_order_relaxed);
  };

  const auto t0 = std::chrono::steady_clock::now();
  ConcentrationCounts counts(Y);
  for (const auto& w : run_blocks(threads, blocks, [&] { return std::make_unique<Worker>(P); }, run_block))
    counts.merge(w->concentration);
  if (opt.stop != nullptr && opt.stop->load()) throw RunCancelled(done.load(), N);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  RunOutput out;
  Results& r = out.results;
  r = summarise(s, P, S, seed, opt.stop);
  // Face value by entity for the forecast audit: block sums in block order.
  std::vector<double> entity_face(EY, 0.0);
  std::vector<double> conc(2 * Y, 0.0);
  for (std::uint64_t b = 0; b < blocks; ++b) {
    for (std::size_t i = 0; i < EY; ++i) entity_face[i] += block_face[b * stride + i];
    for (std::size_t i = 0; i < 2 * Y; ++i) conc[i] += block_face[b * stride + EY + i];
  }
  r.concentration = concentration_of(s.start_year, conc, counts);
  for (ForecastYear& fy : r.forecast_audit) {
    const auto y = static_cast<std::size_t>(fy.year - s.start_year);
    for (std::size_t e = 0; e < P.entity_names.size(); ++e) {
      const double v = entity_face[e * static_cast<std::size_t>(P.Y) + y] / static_cast<double>(N);
      fy.face_value += v;
      if (v > 0) fy.face_by_entity.emplace_back(P.entity_names[e], v);
    }
    std::stable_sort(fy.face_by_entity.begin(), fy.face_by_entity.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  r.runtime.seconds = seconds;
  r.runtime.trials_per_second = seconds > 0 ? static_cast<double>(N) / seconds : 0.0;
  r.runtime.threads = threads;
  if (keep_samples) {
    out.totals.resize(N * S.Y);
    out.listing.assign(S.listing.begin(), S.listing.begin() + N);
    out.revenue.assign(S.revenue.begin(), S.revenue.begin() + N * S.Y * kChannels);
    out.fail_month.assign(S.fail_month.begin(), S.fail_month.begin() + N);
    for (std::size_t t = 0; t < N; ++t)
      for (std::size_t y = 0; y < S.Y; ++y) out.totals[t * S.Y + y] = S.total(t, y);
  }
  return out;
}
}  // namespace

// ---- Streaming mode: bounded memory whatever the trial count -------------------------------

namespace {

/// Trials per block in streaming mode: the floating-point sums are formed per block in trial
/// order and merged in block order (deterministic); integer counts and histograms are summed
/// per worker (exact in any order).
constexpr std::uint64_t kStreamBlock = 16384;

struct StreamCounts {
  std::size_t Y, H, A, F;
  std::vector<LogHistogram> hist;  ///< [year * (1 + kChannels) + 0]: total, then each channel
  std::vector<std::uint64_t> above, alive, listed, first, fails, acc_prod, acc_month, fc_less, fc_equal;
  StreamCounts(std::size_t y, std::size_t h, std::size_t a, std::size_t f)
      : Y(y), H(h), A(a), F(f), hist(y * (1 + kChannels)), above(y), alive(y), listed(y), first(y + 1), fails(h),
        acc_prod(a), acc_month(a * h), fc_less(f), fc_equal(f) {}
  void merge(const StreamCounts& o) {
    for (std::size_t i = 0; i < hist.size(); ++i) hist[i].merge(o.hist[i]);
    auto add = [](std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
      for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
    };
    add(above, o.above), add(alive, o.alive), add(listed, o.listed), add(first, o.first), add(fails, o.fails);
    add(acc_prod, o.acc_prod), add(acc_month, o.acc_month), add(fc_less, o.fc_less), add(fc_equal, o.fc_equal);
  }
};

/// Type-7 quantile of integer-valued data given as counts per value 0..size-1.
double quantile_of_counts(const std::vector<std::uint64_t>& counts, std::size_t offset, std::size_t size, double p) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < size; ++i) n += counts[offset + i];
  const double h = p * static_cast<double>(n - 1);
  const auto lo = static_cast<std::uint64_t>(std::floor(h));
  auto at = [&](std::uint64_t r) {
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < size; ++i) {
      seen += counts[offset + i];
      if (r < seen) return static_cast<double>(i);
    }
    return static_cast<double>(size - 1);
  };
  const double a = at(lo);
  return a + (h - static_cast<double>(lo)) * (at(std::min(lo + 1, n - 1)) - a);
}

}  // namespace

Results run_streaming(const Scenario& s, const RunOptions& opt) {
  const std::uint64_t N = opt.trials > 0 ? opt.trials : s.trials;
  const std::uint64_t seed = opt.seed_set ? opt.seed : s.seed;
  const int threads = opt.threads > 0 ? opt.threads : tbb::info::default_concurrency();
  const detail::Prepared P(s);
  const std::size_t Y = static_cast<std::size_t>(P.Y), H = static_cast<std::size_t>(P.H), A = P.n_accounts();
  const std::size_t E = P.entity_names.size(), EY = E * Y, F = s.forecast.size();
  std::vector<double> forecasts;
  std::vector<std::size_t> forecast_year;
  for (const auto& [year, f] : s.forecast) {
    forecasts.push_back(f);
    forecast_year.push_back(static_cast<std::size_t>(year - s.start_year));
  }
  // Per block: Welford mean and M2 of each year's total, channel sums, face sums, account sums,
  // concentration sums.
  const std::size_t stride = 2 * Y + Y * kChannels + EY + A + 2 * Y;
  const std::uint64_t blocks = (N + kStreamBlock - 1) / kStreamBlock;
  std::vector<double> block_sums(blocks * stride, 0.0);

  struct Worker {
    Worker(const detail::Prepared& p, std::size_t y, std::size_t h, std::size_t a, std::size_t f)
        : sim(p), counts(y, h, a, f), concentration(y) {}
    detail::TrialSimulator sim;
    TrialOutcome out;
    StreamCounts counts;
    ConcentrationCounts concentration;
  };
  std::atomic<std::uint64_t> done{0};
  auto run_block = [&](Worker& w, std::uint64_t b) {
    const std::uint64_t begin = b * kStreamBlock, end = std::min(N, begin + kStreamBlock);
    double* sums = block_sums.data() + b * stride;
    double* wmean = sums;
    double* wm2 = sums + Y;
    double* ch = sums + 2 * Y;
    double* face = ch + Y * kChannels;
    double* acc = face + EY;
    StreamCounts& c = w.counts;
    for (std::uint64_t t = begin; t != end; ++t) {
      if (opt.stop != nullptr && opt.stop->load(std::memory_order_relaxed)) return;
      w.sim.run(seed, t, w.out);
      const TrialOutcome& o = w.out;
      const double k = static_cast<double>(t - begin + 1);
      std::size_t first = Y;
      for (std::size_t y = 0; y < Y; ++y) {
        const double x = o.year_total(static_cast<int>(y));
        const double delta = x - wmean[y];
        wmean[y] += delta / k;
        wm2[y] += delta * (x - wmean[y]);
        c.hist[y * (1 + kChannels)].add(x);
        for (std::size_t ci = 0; ci < kChannels; ++ci) {
          const double v = o.revenue[y * kChannels + ci];
          ch[y * kChannels + ci] += v;
          c.hist[y * (1 + kChannels) + 1 + ci].add(v);
        }
        if (x >= s.threshold) {
          ++c.above[y];
          if (first == Y) first = y;
        }
        if (o.alive_through(s.year_end(static_cast<int>(y)))) ++c.alive[y];
        c.listed[y] += (o.listing >> y) & 1U;
      }
      ++c.first[first];
      if (o.fail_month >= 0 && static_cast<std::size_t>(o.fail_month) < H) ++c.fails[static_cast<std::size_t>(o.fail_month)];
      for (std::size_t i = 0; i < EY; ++i) face[i] += o.entity_face[i];
      for (std::size_t a = 0; a < A; ++a) {
        acc[a] += o.account_revenue[a];
        const int m = o.account_first[a];
        if (m >= 0) {
          ++c.acc_prod[a];
          ++c.acc_month[a * H + std::min(H - 1, static_cast<std::size_t>(m))];
        }
      }
      for (std::size_t f = 0; f < F; ++f) {
        const double x = o.year_total(static_cast<int>(forecast_year[f]));
        if (x < forecasts[f]) ++c.fc_less[f];
        else if (x == forecasts[f]) ++c.fc_equal[f];
      }
      add_concentration(acc + A, Y, o);
      w.concentration.add(o);
    }
    done.fetch_add(end - begin, std::memory_order_relaxed);
    if (opt.progress != nullptr) opt.progress->fetch_add(end - begin, std::memory_order_relaxed);
  };

  const auto t0 = std::chrono::steady_clock::now();
  StreamCounts total(Y, H, A, F);
  ConcentrationCounts conc_counts(Y);
  for (const auto& w : run_blocks(threads, blocks, [&] { return std::make_unique<Worker>(P, Y, H, A, F); }, run_block)) {
    total.merge(w->counts);
    conc_counts.merge(w->concentration);
  }
  if (opt.stop != nullptr && opt.stop->load()) throw RunCancelled(done.load(), N);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Merge the blocks in block order: Chan et al.'s update for mean and M2, plain sums.
  std::vector<double> mean(Y, 0.0), m2(Y, 0.0), ch(Y * kChannels, 0.0), face(EY, 0.0), acc(A, 0.0), conc(2 * Y, 0.0);
  double n_so_far = 0;
  for (std::uint64_t b = 0; b < blocks; ++b) {
    const double* sums = block_sums.data() + b * stride;
    const auto nb = static_cast<double>(std::min(N, (b + 1) * kStreamBlock) - b * kStreamBlock);
    const double nab = n_so_far + nb;
    for (std::size_t y = 0; y < Y; ++y) {
      const double delta = sums[y] - mean[y];
      mean[y] += delta * nb / nab;
      m2[y] += sums[Y + y] + delta * delta * n_so_far * nb / nab;
    }
    n_so_far = nab;
    for (std::size_t i = 0; i < Y * kChannels; ++i) ch[i] += sums[2 * Y + i];
    for (std::size_t i = 0; i < EY; ++i) face[i] += sums[2 * Y + Y * kChannels + i];
    for (std::size_t a = 0; a < A; ++a) acc[a] += sums[2 * Y + Y * kChannels + EY + a];
    for (std::size_t i = 0; i < 2 * Y; ++i) conc[i] += sums[2 * Y + Y * kChannels + EY + A + i];
  }

  const auto n = static_cast<double>(N);
  Results r;
  r.scenario = s.name;
  r.trials = N;
  r.seed = seed;
  r.threshold = s.threshold;
  r.start_year = s.start_year;
  r.start_month_in_year = s.start_month_in_year;
  r.quantiles = "streaming";
  r.concentration = concentration_of(s.start_year, conc, conc_counts);
  for (std::size_t y = 0; y < Y; ++y) {
    const LogHistogram& h = total.hist[y * (1 + kChannels)];
    YearStats ys;
    ys.year = s.start_year + static_cast<int>(y);
    ys.mean = mean[y];
    ys.sd = N > 1 ? std::sqrt(m2[y] / (n - 1)) : 0.0;
    ys.p5 = h.quantile(0.05);
    ys.p10 = h.quantile(0.10);
    ys.p25 = h.quantile(0.25);
    ys.p50 = h.quantile(0.50);
    ys.p75 = h.quantile(0.75);
    ys.p90 = h.quantile(0.90);
    ys.p95 = h.quantile(0.95);
    ys.p_threshold = static_cast<double>(total.above[y]) / n;
    ys.p_threshold_se = std::sqrt(ys.p_threshold * (1.0 - ys.p_threshold) / n);
    ys.p_alive = static_cast<double>(total.alive[y]) / n;
    ys.p_listing = static_cast<double>(total.listed[y]) / n;
    for (std::size_t ci = 0; ci < kChannels; ++ci) {
      ChannelStats& cs = ys.channels[ci];
      const LogHistogram& hc = total.hist[y * (1 + kChannels) + 1 + ci];
      cs.mean = ch[y * kChannels + ci] / n;
      cs.p50 = hc.quantile(0.5);
      cs.p90 = hc.quantile(0.9);
      cs.share = ys.mean > 0 ? cs.mean / ys.mean : 0.0;
    }
    r.years.push_back(ys);
    // The report's 40-bin histogram, rebinned from the log-histogram (each log bin at its middle).
    Histogram hg;
    hg.year = ys.year;
    hg.hi = round_up_nice(std::max(ys.p95, 1.25 * s.threshold));
    hg.counts.assign(40, 0);
    hg.zeros = h.zeros();
    const double w = hg.hi / 40;
    for (std::size_t b = 0; b < LogHistogram::kBins; ++b) {
      const std::uint64_t k = h.bins()[b];
      if (k == 0) continue;
      const double v = LogHistogram::middle(b);
      if (v > hg.hi) hg.above += k;
      else hg.counts[std::min<std::size_t>(39, static_cast<std::size_t>(std::ceil(v / w)) - 1)] += k;
    }
    r.histograms.push_back(hg);
  }
  for (std::size_t y = 0; y < Y; ++y)
    r.first_crossing.emplace_back(std::to_string(s.start_year + static_cast<int>(y)), static_cast<double>(total.first[y]) / n);
  r.first_crossing.emplace_back("never", static_cast<double>(total.first[Y]) / n);
  std::uint64_t failed = 0;
  for (std::size_t m = 0; m < H; ++m) {
    failed += total.fails[m];
    r.survival.push_back(static_cast<double>(N - failed) / n);
  }
  r.runway = runway_of(total.fails, N);
  const std::size_t ni = P.internet_ids.size();
  for (std::size_t a = 0; a < A; ++a) {
    AccountStats as;
    as.name = a < ni ? s.channels.internet.accounts[a].name : s.channels.carriers.operators[a - ni].name;
    as.channel = a < ni ? Channel::internet : Channel::carriers;
    as.mean_revenue = acc[a] / n;
    as.p_production = static_cast<double>(total.acc_prod[a]) / n;
    if (total.acc_prod[a] > 0) as.median_first_order_month = quantile_of_counts(total.acc_month, a * H, H, 0.5);
    r.accounts.push_back(as);
  }
  for (std::size_t f = 0; f < F; ++f) {
    const std::size_t y = forecast_year[f];
    const LogHistogram& h = total.hist[y * (1 + kChannels)];
    ForecastYear fy;
    fy.year = s.start_year + static_cast<int>(y);
    fy.forecast = forecasts[f];
    fy.percentile = 100.0 * (static_cast<double>(total.fc_less[f]) + 0.5 * static_cast<double>(total.fc_equal[f])) / n;
    fy.p_at_least = static_cast<double>(N - total.fc_less[f]) / n;
    fy.p10 = h.quantile(0.10);
    fy.p50 = h.quantile(0.50);
    fy.p90 = h.quantile(0.90);
    for (std::size_t e = 0; e < E; ++e) {
      const double v = face[e * Y + y] / n;
      fy.face_value += v;
      if (v > 0) fy.face_by_entity.emplace_back(P.entity_names[e], v);
    }
    std::stable_sort(fy.face_by_entity.begin(), fy.face_by_entity.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    r.forecast_audit.push_back(fy);
  }
  r.runtime.seconds = seconds;
  r.runtime.trials_per_second = seconds > 0 ? n / seconds : 0.0;
  r.runtime.threads = threads;
  return r;
}

}  // namespace revsim
