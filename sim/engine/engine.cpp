// The parallel engine: trials on oneTBB, each a pure function of (seed, trial index), in fixed
// blocks whose accumulator parts are merged in block order, so results are byte-identical
// whatever the thread count (MODEL.md §6). The accumulators: accumulators.hpp; the loop:
// trial_loop.hpp.
#include "revsim/engine.hpp"

#include "revsim/scale_out.hpp"
#include "revsim/scenario_io.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>

#include "trial_loop.hpp"

namespace revsim {

namespace detail {

int thread_count(const RunOptions& opt) { return opt.threads > 0 ? opt.threads : tbb::info::default_concurrency(); }

void run_blocks_in_order(int threads, std::uint64_t b0, std::uint64_t b1, std::size_t slots, BlockJob& job,
                         const RunMonitor* monitor) {
  auto stopped = [monitor] { return monitor != nullptr && monitor->stop_requested(); };
#ifndef REVSIM_STD_THREADS
  // Allow more workers than cores when asked (--threads 8 on 2 cores), so the thread-count
  // invariance is exercised for real. At most `slots` blocks are in flight; the last stage
  // merges them one at a time in block order.
  const tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism,
                                        static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    std::uint64_t next = b0;
    tbb::parallel_pipeline(
        slots,
        tbb::make_filter<void, std::uint64_t>(tbb::filter_mode::serial_in_order,
                                              [&](tbb::flow_control& fc) -> std::uint64_t {
                                                if (next == b1 || stopped()) {
                                                  fc.stop();
                                                  return 0;
                                                }
                                                return next++;
                                              }) &
            tbb::make_filter<std::uint64_t, std::uint64_t>(tbb::filter_mode::parallel,
                                                           [&](std::uint64_t b) {
                                                             job.run(b % slots, b);
                                                             return b;
                                                           }) &
            tbb::make_filter<std::uint64_t, void>(tbb::filter_mode::serial_in_order,
                                                  [&](std::uint64_t b) { job.merge(b % slots, b); }));
  });
#else
  // Under ThreadSanitizer (Debian's libtbb is not instrumented, so TSan cannot see its
  // synchronisation): std::threads take blocks from a counter, at most `slots` ahead of the
  // merged ones; whoever finishes the next block in order merges what is ready.
  std::mutex mu;
  std::condition_variable cv;
  std::uint64_t next = b0, merged = b0;
  std::vector<char> ready(slots, 0);
  bool merging = false;
  auto worker = [&] {
    for (;;) {
      std::uint64_t b = 0;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return next == b1 || stopped() || next < merged + slots; });
        if (next == b1 || stopped()) return;
        b = next++;
      }
      job.run(b % slots, b);
      std::unique_lock lock(mu);
      ready[b % slots] = 1;
      if (merging) continue;
      merging = true;
      while (merged < next && ready[merged % slots] != 0) {
        const std::uint64_t m = merged;
        lock.unlock();
        job.merge(m % slots, m);
        lock.lock();
        ready[m % slots] = 0;
        ++merged;
        cv.notify_all();
      }
      merging = false;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (std::thread& th : pool) th.join();
  // A block finished while another thread was merging and nobody merged it after: merge now.
  while (!stopped() && merged < b1) {
    job.merge(merged % slots, merged);
    ++merged;
  }
#endif
}

}  // namespace detail

namespace {

std::uint64_t trials_of(const Scenario& s, const RunOptions& opt) { return opt.trials > 0 ? opt.trials : s.trials; }
std::uint64_t seed_of(const Scenario& s, const RunOptions& opt) { return opt.seed_set ? opt.seed : s.seed; }

void set_runtime(Results& r, double seconds, int threads) {
  r.runtime.seconds = seconds;
  r.runtime.trials_per_second = seconds > 0 ? static_cast<double>(r.trials) / seconds : 0.0;
  r.runtime.threads = threads;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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

// ---- A run that can grow -----------------------------------------------------------------------

namespace {
/// A shard of a run or audit, and the merge of such shards, record every trial's drawn inputs
/// and year-end cash whenever the run keeps exact samples: `revsim merge --samples` can then
/// write them (a shard does not know whether its merge will ask), and a merge's partials all
/// carry them whether it asks or not. Recording changes no draw, so no result.
bool records_for_merge(const Scenario& s, const RunOptions& o) {
  return o.scale != nullptr && (o.scale->shard.has_value() || !o.scale->merge.empty()) &&
         exact_quantiles(s, trials_of(s, o));
}
const detail::Prepared& recorded_if(detail::Prepared& P, bool record) {
  if (record) P.record_inputs();
  return P;
}
}  // namespace

struct Simulation::Impl {
  Impl(const Scenario& scenario, const RunOptions& o)
      : s(scenario), opt(o), P(s), d(recorded_if(P, records_for_merge(s, o))), src({&P}, seed_of(s, o)) {}
  const Scenario& s;
  RunOptions opt;
  detail::Prepared P;
  detail::Dims d;
  detail::ScenarioTrials src;
  std::variant<std::monostate, detail::ExactSamples, detail::StreamingTally> acc;
  double seconds = 0;

  template <class Acc>
  Results extend(Acc& a, std::uint64_t n) {
    const auto t0 = std::chrono::steady_clock::now();
    detail::run_trials(src, a.trials(), n, a, opt);
    seconds += since(t0);
    Results r;
    if constexpr (std::is_same_v<Acc, detail::ExactSamples>) r = a.results(seed_of(s, opt), opt.monitor);
    else r = a.results(seed_of(s, opt));
    set_runtime(r, seconds, detail::thread_count(opt));
    return r;
  }
};

Simulation::Simulation(const Scenario& s, const RunOptions& opt) : impl_(std::make_unique<Impl>(s, opt)) {}
Simulation::~Simulation() = default;

std::uint64_t Simulation::trials() const noexcept {
  return std::visit(
      [](const auto& a) -> std::uint64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, std::monostate>) return 0;
        else return a.trials();
      },
      impl_->acc);
}

Results Simulation::run_to(std::uint64_t n) {
  Impl& m = *impl_;
  if (exact_quantiles(m.s, n)) {
    if (!std::holds_alternative<detail::ExactSamples>(m.acc) || trials() > n) {
      m.acc.emplace<detail::ExactSamples>(m.d);
      m.seconds = 0;
    }
    auto& a = std::get<detail::ExactSamples>(m.acc);
    a.reserve(n);
    return m.extend(a, n);
  }
  if (!std::holds_alternative<detail::StreamingTally>(m.acc) || trials() > n) {
    m.acc.emplace<detail::StreamingTally>(m.d);
    m.seconds = 0;
  }
  return m.extend(std::get<detail::StreamingTally>(m.acc), n);
}

Results run_simulation(const Scenario& s, const RunOptions& opt) {
  Simulation sim(s, opt);
  return sim.run_to(trials_of(s, opt));
}

Results run_streaming(const Scenario& s, const RunOptions& opt) {
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, seed_of(s, opt));
  detail::StreamingTally acc(d);
  const auto t0 = std::chrono::steady_clock::now();
  detail::run_trials(src, 0, trials_of(s, opt), acc, opt);
  const double seconds = since(t0);
  Results r = acc.results(seed_of(s, opt));
  set_runtime(r, seconds, detail::thread_count(opt));
  return r;
}

std::uint64_t samples_memory_bytes(const Scenario& s, std::uint64_t trials) {
  const std::uint64_t inputs = per_trial_inputs(list_parameters(s)).size();
  return run_memory_bytes(s, trials) + trials * (inputs + static_cast<std::uint64_t>(s.years)) * 8;
}

RunOutput run_with_samples(const Scenario& s, const RunOptions& opt) {
  const std::uint64_t N = trials_of(s, opt);
  detail::Prepared P(s);
  P.record_inputs();
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, seed_of(s, opt));
  detail::ExactSamples acc(d);
  acc.reserve(N);
  const auto t0 = std::chrono::steady_clock::now();
  detail::run_trials(src, 0, N, acc, opt);
  const double seconds = since(t0);
  Results r = acc.results(seed_of(s, opt), opt.monitor);
  set_runtime(r, seconds, detail::thread_count(opt));
  return detail::run_output(acc, P, std::move(r));
}

}  // namespace revsim
