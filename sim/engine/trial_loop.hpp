// The one trial loop (issue 14): run_trials(source, [first, last), accumulator) runs the
// accumulator's fixed blocks on the worker threads and merges them into it in block order, so
// the result is byte-identical whatever the thread count and however [0, n) was split into
// calls. Every subcommand that simulates goes through it (run, audit, report, compare, sweep,
// sensitivity, Sobol, precision, backtest). Accumulators: accumulators.hpp. Under MPI
// (RunOptions::comm, issue 16) the ranks split the blocks, exchange their parts and each merges
// them in block order.
#pragma once

#include "../parallel/mpi_comm.hpp"
#include "accumulators.hpp"
#include "revsim/engine.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace revsim::detail {

/// A loop's blocks [b0, b1): run(slot, b) fills slot `slot` (any thread, several at once);
/// merge(slot, b) takes it, in block order, one at a time. Block b uses slot b % slots: at most
/// `slots` blocks are in flight, so memory stays bounded.
class BlockJob {
 public:
  virtual ~BlockJob() = default;
  virtual void run(std::size_t slot, std::uint64_t b) = 0;
  virtual void merge(std::size_t slot, std::uint64_t b) = 0;
};
/// Run blocks [b0, b1) of `job` on `threads` threads (oneTBB's parallel_pipeline with an
/// in-order merge stage; std::threads under ThreadSanitizer), stopping early once the monitor
/// (if any) is asked to stop.
void run_blocks_in_order(int threads, std::uint64_t b0, std::uint64_t b1, std::size_t slots, BlockJob& job,
                         const RunMonitor* monitor);
/// Threads a RunOptions asks for (0: all cores).
int thread_count(const RunOptions& opt);

/// Trials of one or several prepared scenarios under one seed: item t is trial t of each
/// (common random numbers). The per-trial entry point is TrialSimulator::run.
class ScenarioTrials {
 public:
  ScenarioTrials(std::vector<const Prepared*> p, std::uint64_t seed) : p_(std::move(p)), seed_(seed) {}
  struct Worker {
    std::vector<std::unique_ptr<TrialSimulator>> sims;
    std::vector<TrialOutcome> out;
  };
  Worker worker() const {
    Worker w;
    for (const Prepared* p : p_) w.sims.push_back(std::make_unique<TrialSimulator>(*p));
    w.out.resize(p_.size());
    return w;
  }
  void run(Worker& w, std::uint64_t t) const {
    for (std::size_t k = 0; k < p_.size(); ++k) w.sims[k]->run(seed_, t, w.out[k]);
  }
  std::size_t width() const noexcept { return p_.size(); }

 private:
  std::vector<const Prepared*> p_;
  std::uint64_t seed_;
};

/// Run items [first, last) of `src` on the worker threads, handing each block's part to
/// sink(Part&&) in block order; parts come from acc.part(lo). Throws RunCancelled when
/// opt.monitor is asked to stop; tells it of the items done (times src.width()) once per block.
template <class Source, class Acc, class Sink>
void run_blocks(const Source& src, std::uint64_t first, std::uint64_t last, const Acc& acc, Sink&& sink,
                const RunOptions& opt) {
  constexpr std::uint64_t K = Acc::kBlock;
  const int threads = thread_count(opt);
  const std::size_t slots = 4 * static_cast<std::size_t>(threads);
  struct Slot {
    std::optional<typename Source::Worker> worker;
    std::optional<typename Acc::Part> part;
  };
  struct Job final : BlockJob {
    const Source& src;
    const Acc& acc;
    Sink& sink;
    const RunOptions& opt;
    std::uint64_t first, last;
    std::vector<Slot> slot;
    std::atomic<std::uint64_t> done{0};
    Job(const Source& s, const Acc& a, Sink& k, const RunOptions& o, std::uint64_t f, std::uint64_t l, std::size_t n)
        : src(s), acc(a), sink(k), opt(o), first(f), last(l), slot(n) {}
    void run(std::size_t i, std::uint64_t b) override {
      Slot& sl = slot[i];
      if (!sl.worker) sl.worker.emplace(src.worker());
      const std::uint64_t lo = std::max(first, b * K), hi = std::min(last, (b + 1) * K);
      sl.part.emplace(acc.part(lo));
      const RunMonitor* const monitor = opt.monitor;
      for (std::uint64_t t = lo; t != hi; ++t) {
        if (monitor != nullptr && monitor->stop_requested()) return;
        src.run(*sl.worker, t);
        sl.part->add(sl.worker->out, t);
      }
      done.fetch_add(hi - lo, std::memory_order_relaxed);
      if (opt.monitor != nullptr) opt.monitor->add_trials((hi - lo) * src.width());
    }
    void merge(std::size_t i, std::uint64_t) override {
      if (opt.monitor != nullptr && opt.monitor->stop_requested()) return;
      sink(std::move(*slot[i].part));
      slot[i].part.reset();
    }
  };
  Job job(src, acc, sink, opt, first, last, slots);
  run_blocks_in_order(threads, first / K, (last + K - 1) / K, slots, job, opt.monitor);
  if (opt.monitor != nullptr && opt.monitor->stop_requested()) throw RunCancelled(job.done.load(), last - first);
}

template <class Source, class Acc>
void scaled_trials(const Source& src, std::uint64_t first, std::uint64_t last, Acc& acc, const RunOptions& opt);

/// Run items [first, last) of `src` into one Part (its blocks' parts appended in block order):
/// the state of a shard, to be saved or merged into an accumulator ending at `first`. `acc` only
/// makes the parts: any accumulator of the run when `first` is on a block boundary, else the one
/// the part continues (acc.trials() == first).
template <class Source, class Acc>
typename Acc::Part run_part(const Source& src, std::uint64_t first, std::uint64_t last, const Acc& acc,
                            const RunOptions& opt) {
  if (first % Acc::kBlock != 0 && acc.trials() != first)
    throw std::logic_error("run_part: a part that begins inside a block must continue the accumulator");
  if (last <= first) return acc.part(first);
  std::optional<typename Acc::Part> out;
  auto sink = [&out](typename Acc::Part&& p) {
    if (out) out->append(std::move(p));
    else out.emplace(std::move(p));
  };
  run_blocks(src, first, last, acc, sink, opt);
  return std::move(*out);
}

/// run_trials over the ranks of opt.comm (issue 16): rank r runs its share of the blocks of
/// [first, last) (Comm::share: rank 0 the first, which may continue acc's open block) into one
/// Part; every rank's Part is serialised and sent to every other rank (Comm::allgather), and
/// every rank merges the R parts in block order (rank order), its own without serialising it.
/// So every rank holds the accumulator of [0, last) and takes the same decisions after
/// (precision rounds, summaries), without rank 0 serialising and broadcasting the merged state:
/// each rank receives the others' parts once. The state equals, bit for bit, that of a
/// one-process run. A failure on any rank (a cancelled run too) throws RankFailed on all.
template <class Source, class Acc>
void run_trials_distributed(const Source& src, std::uint64_t first, std::uint64_t last, Acc& acc,
                            const RunOptions& opt) {
  const Comm& comm = *opt.comm;
  constexpr std::uint64_t K = Acc::kBlock;
  const std::uint64_t b0 = first / K, b1 = (last + K - 1) / K;
  const auto [r0, r1] = Comm::share(b1 - b0, comm.rank(), comm.size());
  const std::uint64_t lo = std::clamp((b0 + r0) * K, first, last), hi = std::clamp((b0 + r1) * K, first, last);
  // Errors are agreed on after each step, so that no rank waits for one that has given up (the
  // command line agrees the same way on a failure outside the trial loop: Comm::first_error).
  auto agree = [&](const std::string& error) {
    const std::string first_error = comm.first_error(error);
    if (!first_error.empty()) throw RankFailed(first_error);
  };
  std::optional<typename Acc::Part> own;
  std::string mine, error;
  try {
    if (lo < hi) {
      own.emplace(run_part(src, lo, hi, acc, opt));
      ArchiveWriter w;
      own->save(w);
      mine = std::move(w).seal();
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error);
  std::vector<std::string> parts = comm.allgather(std::move(mine));
  try {
    for (std::size_t r = 0; r < parts.size(); ++r) {
      if (static_cast<int>(r) == comm.rank()) {
        if (own) acc.merge(std::move(*own));
        own.reset();
      } else if (!parts[r].empty()) {  // empty: a rank without blocks (more ranks than blocks)
        ArchiveReader rd(parts[r], "rank " + std::to_string(r));
        acc.merge(acc.load_part(rd));
        rd.expect_end();
      }
      parts[r] = std::string();  // merged: its memory back
    }
    if (acc.trials() != last) throw std::logic_error("distributed run: the merged parts do not end at the last trial");
    if (comm.root()) {
      // Rank 0's progress display counts the other ranks' trials too, as their parts arrive.
      if (opt.monitor != nullptr) opt.monitor->add_trials((last - first - (hi - lo)) * src.width());
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error);
}

/// Run items [first, last) of `src` into `acc` (acc.trials() == first), over the ranks of
/// opt.comm when it has several (run_trials_distributed). opt.monitor is told of this process's
/// items times src.width(). Throws RunCancelled (acc then holds a partial state) when the
/// monitor is asked to stop.
/// With opt.scale: a shard, a merge of partials, or checkpoints (sim/parallel/scale_loop.hpp).
template <class Source, class Acc>
void run_trials(const Source& src, std::uint64_t first, std::uint64_t last, Acc& acc, const RunOptions& opt) {
  if (opt.scale != nullptr) return scaled_trials(src, first, last, acc, opt);
  if (last <= first) return;
  if (acc.trials() != first) throw std::logic_error("run_trials: the accumulator does not end where the trials begin");
  if (opt.comm != nullptr && opt.comm->distributed()) return run_trials_distributed(src, first, last, acc, opt);
  auto sink = [&acc](typename Acc::Part&& p) { acc.merge(std::move(p)); };
  run_blocks(src, first, last, acc, sink, opt);
}

}  // namespace revsim::detail

#include "../parallel/scale_loop.hpp"  // scaled_trials
