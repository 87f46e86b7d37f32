// The trial loop under RunOptions::scale (include/revsim/scale_out.hpp): write one shard's Part,
// merge the shards' Parts instead of simulating, or run in segments with a checkpoint between
// them every few seconds (resuming from one).
// Included at the end of trial_loop.hpp; run_trials hands over to scaled_trials when
// RunOptions::scale is set. The accumulators' serialisation: accumulators.hpp (Part::save,
// load_part, save, load).
#pragma once

#include "../engine/trial_loop.hpp"
#include "archive.hpp"
#include "mpi_comm.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scale_out.hpp"
#include "scale_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace revsim::detail {

/// The name a partial or checkpoint gives the accumulator that wrote it: a file is only read
/// back into the same kind.
template <class Acc>
struct AccName;
template <>
struct AccName<ExactSamples> {
  static constexpr const char* value = "ExactSamples";
};
template <>
struct AccName<StreamingTally> {
  static constexpr const char* value = "StreamingTally";
};
template <>
struct AccName<SobolRows> {
  static constexpr const char* value = "SobolRows";
};
template <>
struct AccName<CompareAccumulator<ExactSamples>> {
  static constexpr const char* value = "Compare/ExactSamples";
};
template <>
struct AccName<CompareAccumulator<StreamingTally>> {
  static constexpr const char* value = "Compare/StreamingTally";
};

/// The job a file must belong to: the run's, with this revsim's version.
inline Job job_of(const ScaleOut& so) {
  Job j = so.job;
  j.version = version();
  return j;
}

/// Write shard so.shard of trials [0, last) to so.partial, then throw ShardWritten.
template <class Source, class Acc>
[[noreturn]] void write_shard(const Source& src, std::uint64_t first, std::uint64_t last, Acc& acc,
                              const RunOptions& opt, ScaleOut& so) {
  if (first != 0 || acc.trials() != 0) throw std::logic_error("a shard runs trials [0, n) from an empty accumulator");
  constexpr std::uint64_t K = Acc::kBlock;
  const std::uint64_t blocks = (last + K - 1) / K;
  const auto [b0, b1] = Comm::share(blocks, static_cast<int>(so.shard->index), static_cast<int>(so.shard->count));
  PartialInfo info;
  info.job = job_of(so);
  info.shard = *so.shard;
  info.accumulator = AccName<Acc>::value;
  info.block = K;
  info.b0 = b0;
  info.b1 = b1;
  info.lo = std::min(last, b0 * K);
  info.hi = std::min(last, b1 * K);
  info.parts = b1 > b0 ? 1 : 0;
  RunOptions o = opt;
  o.scale = nullptr;
  ArchiveWriter w;
  write_partial_header(w, info);
  if (info.parts == 1) run_part(src, info.lo, info.hi, acc, o).save(w);
  write_file_atomically(so.partial, w.seal());
  throw ShardWritten(so.partial, *so.shard, info.lo, info.hi);
}

/// Trials [0, last) into `acc` from the partials so.merge (in shard order, checked by
/// check_partials): each Part merged in block order, as one run would have.
template <class Acc>
void merge_partials(std::uint64_t first, std::uint64_t last, Acc& acc, const ScaleOut& so) {
  if (first != 0 || acc.trials() != 0) throw std::logic_error("a merge fills trials [0, n) of an empty accumulator");
  const Job want = job_of(so);
  for (const std::string& file : so.merge) {
    const std::string bytes = read_file_bytes(file);
    try {
      ArchiveReader r(bytes, file);
      const PartialInfo p = read_partial_header(r, file);
      if (std::string d = job_difference(p.job, file, want, "the merge"); !d.empty())
        throw ScaleOutError(fmt::format("merge refused: {}", d));
      if (p.accumulator != AccName<Acc>::value || p.block != Acc::kBlock)
        throw ScaleOutError(fmt::format("merge refused: {} holds {} blocks of {} trials; this run needs {} blocks of {}",
                                        file, p.accumulator, p.block, AccName<Acc>::value, Acc::kBlock));
      if (p.lo != acc.trials())
        throw ScaleOutError(fmt::format("merge refused: {} holds trials [{}, {}), expected them to start at {}", file,
                                        p.lo, p.hi, acc.trials()));
      if (p.parts == 1) acc.merge(acc.load_part(r));
      r.expect_end();
      if (acc.trials() != p.hi)
        throw ScaleOutError(fmt::format("merge refused: {} says trials [{}, {}) but holds trials up to {}", file, p.lo,
                                        p.hi, acc.trials()));
    } catch (const ArchiveError& e) {
      throw ScaleOutError(fmt::format("merge refused: {}", e.what()));
    }
  }
  if (acc.trials() != last)
    throw ScaleOutError(fmt::format("merge refused: the partials hold trials [0, {}) of {}", acc.trials(), last));
}

/// Restore `acc` from the checkpoint so.resume (refused unless it is of this very job).
template <class Acc>
void resume_from(Acc& acc, const ScaleOut& so) {
  const std::string bytes = read_file_bytes(so.resume);
  try {
    ArchiveReader r(bytes, so.resume);
    const CheckpointInfo c = read_checkpoint_header(r, so.resume);
    if (std::string d = job_difference(c.job, so.resume, job_of(so), "this run"); !d.empty())
      throw ScaleOutError(fmt::format("--resume refused: {}", d));
    if (c.accumulator != AccName<Acc>::value || c.block != Acc::kBlock)
      throw ScaleOutError(fmt::format("--resume refused: {} holds a {} (blocks of {}); this run needs a {} (blocks of {})",
                                      so.resume, c.accumulator, c.block, AccName<Acc>::value, Acc::kBlock));
    acc.load(r);
    r.expect_end();
    if (acc.trials() != c.trials_done)
      throw ScaleOutError(fmt::format("--resume refused: {} says {} trials but holds {}", so.resume, c.trials_done,
                                      acc.trials()));
  } catch (const ArchiveError& e) {
    throw ScaleOutError(fmt::format("--resume refused: {}", e.what()));
  }
}

/// Save `acc` to so.checkpoint atomically (a temporary file beside it, fsync, rename).
template <class Acc>
void save_checkpoint(const Acc& acc, ScaleOut& so) {
  CheckpointInfo c;
  c.job = job_of(so);
  for (JobScenario& s : c.job.scenarios) s.text.clear();
  c.accumulator = AccName<Acc>::value;
  c.block = Acc::kBlock;
  c.trials_done = acc.trials();
  ArchiveWriter w;
  write_checkpoint_header(w, c);
  acc.save(w);
  // Only the writer (rank 0 under MPI) gets here, between segments: not through the output gate,
  // a collective the other ranks are not in.
  write_file_atomically(so.checkpoint, w.seal(), AtomicFile::Gate::ungated);
  so.checkpoint_trials = acc.trials();
  ++so.checkpoints;
}

template <class Source, class Acc>
void scaled_trials(const Source& src, std::uint64_t first, std::uint64_t last, Acc& acc, const RunOptions& opt) {
  ScaleOut& so = *opt.scale;
  if (last != so.job.trials)
    throw std::logic_error(fmt::format("a scaled loop of {} trials for a job of {}", last, so.job.trials));
  if (!so.merge.empty()) return merge_partials(first, last, acc, so);
  if (so.shard) write_shard(src, first, last, acc, opt, so);
  if (!so.resume.empty() && first == 0 && acc.trials() == 0) {
    resume_from(acc, so);
    so.resumed_trials = acc.trials();
    so.checkpoint_trials = acc.trials();
    first = acc.trials();
    if (so.on_resumed) so.on_resumed(so);
  }
  RunOptions o = opt;
  o.scale = nullptr;
  if (so.checkpoint.empty()) return run_trials(src, first, last, acc, o);
  // Only rank 0 of an MPI run writes the file (write_checkpoint false elsewhere); every rank runs
  // the same segments, whose sizes rank 0 decides.
  const auto save = [&] {
    if (so.write_checkpoint) save_checkpoint(acc, so);
  };
  const bool distributed = o.comm != nullptr && o.comm->distributed();
  if (last <= first) return save();
  // run_trials over segments of whole blocks, each about `every_seconds` long, with a checkpoint
  // between segments once `every_seconds` have passed. Segments rather than a hook in the merge
  // stage: each is a plain run_trials, so a distributed loop (MPI) checkpoints the same way.
  using clock = std::chrono::steady_clock;
  constexpr std::uint64_t K = Acc::kBlock;
  const double every = std::max(so.every_seconds, 0.0);
  auto due = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(every));
  std::uint64_t blocks = static_cast<std::uint64_t>(thread_count(o));  // the first segment: a block per thread
  std::uint64_t at = first;
  while (at < last) {
    if (distributed) blocks = std::stoull(o.comm->broadcast(std::to_string(blocks)));
    const std::uint64_t end = std::min(last, (at / K + blocks) * K);
    const auto t0 = clock::now();
    try {
      run_trials(src, at, end, acc, o);
    } catch (const RunCancelled& e) {
      save();  // the blocks merged before the stop: a consistent state
      throw RunCancelled(at - first + e.trials_done(), last - first);
    }
    at = end;
    const auto now = clock::now();
    if (now >= due && at < last) {
      save();
      due = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(every));
    }
    // The next segment: about `every` seconds at the pace of this one (x0.5 .. x4).
    const double took = std::chrono::duration<double>(now - t0).count();
    const double scale = took > 0 ? std::clamp(every / took, 0.5, 4.0) : 4.0;
    blocks = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(static_cast<double>(blocks) * scale));
  }
  save();
}

}  // namespace revsim::detail
