// The command line of shards, merge and checkpoints (issue 16, items 2 and 3): the flags run,
// audit and compare share (--shard, --partial, --checkpoint, --checkpoint-every, --resume),
// their checks, and what turns them into RunOptions::scale (revsim/scale_out.hpp).
#pragma once

#include "cli_common.hpp"
#include "revsim/scale_out.hpp"

#include <functional>
#include <string>
#include <vector>

namespace revsim::cli {

/// The subcommands whose trials can be split into shards or checkpointed.
inline constexpr const char* kScaleSubcommands = "run, audit and compare";

/// --shard, --partial, --checkpoint, --checkpoint-every, --resume on run, audit or compare.
void add_scale_options(CLI::App* cmd, RunArgs& a);
/// The same flags on a subcommand that does not take them: each refused with a clear message.
void refuse_scale_options(CLI::App* cmd);
/// Refuse (false, after saying why) combinations that cannot work: --shard without --partial,
/// --shard with an output flag (merge writes the output), with --precision or a checkpoint.
bool scale_flags_ok(const CLI::App* cmd, const RunArgs& a);

/// The scenarios of a subcommand: from the partials' texts under `revsim merge`, else the files
/// (read once and hashed when a shard or a checkpoint records them), warnings printed.
std::vector<Scenario> load_scenarios(const RunArgs& a, const std::vector<std::string>& files);
/// Point opt.scale at a.scale.out, filled for this job, when a shard, merge or checkpoint is asked.
void attach_scale(const RunArgs& a, const std::string& subcommand, const std::vector<Scenario>& scenarios,
                  RunOptions& opt);
/// Run a subcommand, answering what the scaled loop throws: a shard written (exit 0, "wrote
/// FILE"), a refused partial or checkpoint (exit 2), an interrupted run that left a checkpoint
/// (128 + signal, saying how to resume).
int run_scaled(const CliContext& ctx, const RunArgs& a, const std::function<int()>& run);

/// The SHA-256 a manifest gives scenario `file`: the partials' under `revsim merge`
/// (ctx.merged_hashes: the YAML file need not exist there), else the file's.
std::string scenario_sha256(const CliContext& ctx, const std::string& file);

}  // namespace revsim::cli
