// Scale-out without MPI (issue 16, items 2 and 3): shards of a run written to partial files and
// merged later (batch schedulers: Slurm job arrays, Kubernetes indexed jobs), and checkpoints a
// killed run resumes from. Both go through the one trial loop (sim/engine/trial_loop.hpp): a
// shard runs whole blocks, blocks b0..b1 of Comm::share (the rule MPI ranks use), and writes their
// accumulator Parts in block order; `merge` feeds those Parts back in block order instead of
// simulating, so its output is byte-identical to one run's (`runtime` aside). A checkpoint is
// the accumulator after its last merged block. File formats: docs/scale-out.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace revsim {

/// A scenario behind a job: the name it was given, the SHA-256 of its bytes and (in partial
/// files, so that `merge` needs no YAML file) the bytes themselves.
struct JobScenario {
  std::string name;    ///< the path given ("<stdin>" for '-'); results name the scenario by it
  std::string sha256;  ///< 64 hex digits
  std::string text;    ///< the file's bytes (empty in a checkpoint)
};

/// What makes a run's numbers what they are: a partial or a checkpoint serves only the same job.
struct Job {
  std::string subcommand;              ///< run, audit, compare
  std::vector<JobScenario> scenarios;  ///< in command-line order
  std::vector<std::string> sets;       ///< --set KEY=VALUE overrides, in order
  std::uint64_t seed = 0;              ///< the seed used (the scenario's unless --seed)
  std::uint64_t trials = 0;            ///< the trials of the run (the scenario's unless --trials)
  std::string version;                 ///< revsim's version that wrote the file
};

/// The scenarios of a job as the CLI loaded them: name, bytes and hash (reads the files; '-' is
/// standard input, read once).
std::vector<JobScenario> job_scenarios(const std::vector<std::string>& files);

/// Shard `index` of `count` (0-based: index 0..count-1, as SLURM_ARRAY_TASK_ID with
/// --array=0-(count-1) and Kubernetes' JOB_COMPLETION_INDEX).
struct Shard {
  std::uint64_t index = 0, count = 1;
};
/// "i/N" with 0 <= i < N; throws std::invalid_argument with the reason.
Shard parse_shard(const std::string& text);

/// A partial, a set of partials or a checkpoint that cannot be used: the message names the
/// file(s) and what does not match.
class ScaleOutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a run asks of the trial loop besides simulating (RunOptions::scale). At most one of
/// shard and merge; checkpoint/resume with neither.
struct ScaleOut {
  Job job;
  std::optional<Shard> shard;         ///< run only this shard's blocks, write them to `partial`
  std::string partial;
  std::vector<std::string> merge;     ///< take the trials from these partials (checked by check_partials)
  std::string checkpoint;             ///< save the accumulator here (atomically) every `every_seconds`
  double every_seconds = 5;
  std::string resume;                 ///< start from this checkpoint
  bool write_checkpoint = true;       ///< false on MPI ranks other than 0 (only rank 0 writes)
  /// Told once the checkpoint of --resume is loaded, before the remaining trials run (the
  /// command line says "resumed from FILE at K of N trials" then, not after the output).
  std::function<void(const ScaleOut&)> on_resumed;

  // Filled by the loop.
  std::uint64_t checkpoint_trials = 0;  ///< trials in the last checkpoint written (or resumed)
  std::uint64_t checkpoints = 0;        ///< checkpoints written
  std::uint64_t resumed_trials = 0;     ///< trials taken from --resume
};

/// Thrown by the trial loop once a shard's partial file is written: the run goes no further
/// (nothing else is simulated or written).
class ShardWritten : public std::exception {
 public:
  ShardWritten(std::string file, Shard shard, std::uint64_t lo, std::uint64_t hi)
      : file_(std::move(file)), shard_(shard), lo_(lo), hi_(hi) {}
  const char* what() const noexcept override { return "shard written"; }
  const std::string& file() const noexcept { return file_; }
  Shard shard() const noexcept { return shard_; }
  std::uint64_t lo() const noexcept { return lo_; }  ///< trials [lo, hi)
  std::uint64_t hi() const noexcept { return hi_; }

 private:
  std::string file_;
  Shard shard_;
  std::uint64_t lo_, hi_;
};

/// The header of a partial file.
struct PartialInfo {
  std::string file;
  Job job;
  Shard shard;
  std::string accumulator;       ///< which accumulator wrote the parts (e.g. ExactSamples)
  std::uint64_t block = 0;       ///< trials per block
  std::uint64_t b0 = 0, b1 = 0;  ///< blocks [b0, b1)
  std::uint64_t lo = 0, hi = 0;  ///< trials [lo, hi)
  std::uint64_t parts = 0;       ///< Parts stored (b1 - b0)
};
/// Read and check a partial file (its seal, its format) and return its header. Throws
/// ScaleOutError (unreadable, truncated, corrupted, not a partial, another format version).
PartialInfo read_partial_info(const std::string& file);
/// The partials of one job, ordered by shard: every file read and checked, then refused unless
/// they are all the shards 0..N-1 of the same job (same subcommand, scenarios, --set, seed,
/// trials, revsim version and accumulator), each exactly once. Throws ScaleOutError naming the
/// files and the difference.
std::vector<PartialInfo> check_partials(const std::vector<std::string>& files);

/// The header of a checkpoint file.
struct CheckpointInfo {
  std::string file;
  Job job;
  std::string accumulator;
  std::uint64_t block = 0;
  std::uint64_t trials_done = 0;  ///< trials [0, trials_done) are in the accumulator
};
CheckpointInfo read_checkpoint_info(const std::string& file);

/// The first difference between the job a file was written for and `want` (empty when they
/// match). `what` names the file in the message. Scenario texts are compared by hash only.
std::string job_difference(const Job& have, const std::string& what, const Job& want, const std::string& want_what);

}  // namespace revsim
