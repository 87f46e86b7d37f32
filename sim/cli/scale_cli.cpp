// Shards, merge and checkpoints on the command line (scale_cli.hpp).
#include "scale_cli.hpp"

#include "revsim/html_report.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"
#include "../parallel/mpi_comm.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

namespace revsim::cli {

namespace {

bool given(const CLI::App* cmd, const char* flag) {
  const CLI::Option* o = cmd->get_option_no_throw(flag);
  return o != nullptr && o->count() > 0;
}

bool scaled(const ScaleArgs& s) { return !s.shard.empty() || !s.merge.empty() || !s.checkpoint.empty() || !s.resume.empty(); }

}  // namespace

void add_scale_options(CLI::App* cmd, RunArgs& a) {
  const std::string group = "Shards and checkpoints (docs/scale-out.md)";
  cmd->add_option("--shard", a.scale.shard,
                  "Run only shard INDEX/COUNT of the trials (0-based: 0/3, 1/3, 2/3; whole blocks, as MPI ranks "
                  "split them) and write it to --partial; `revsim merge` then gives the output of one run")
      ->type_name("INDEX/COUNT")
      ->group(group);
  cmd->add_option("--partial", a.scale.partial, "The shard's partial file (with --shard; written atomically)")
      ->type_name("FILE")
      ->group(group);
  cmd->add_option("--checkpoint", a.scale.checkpoint,
                  "Save the run's state to FILE (atomically) every --checkpoint-every seconds, on Ctrl-C/SIGTERM "
                  "and at the end; continue an interrupted run with --resume FILE")
      ->type_name("FILE")
      ->group(group);
  cmd->add_option("--checkpoint-every", a.scale.every, "Seconds between checkpoints (default 5)")
      ->type_name("SECONDS")
      ->check(real_range(0.0, 86400.0))
      ->group(group);
  cmd->add_option("--resume", a.scale.resume,
                  "Continue from the checkpoint FILE of the same command (same scenario, --set, seed and trials; "
                  "refused otherwise); keeps checkpointing to FILE unless --checkpoint names another")
      ->type_name("FILE")
      ->group(group);
}

void refuse_scale_options(CLI::App* cmd) {
  for (const char* flag : {"--shard", "--partial", "--checkpoint", "--checkpoint-every", "--resume"}) {
    cmd->add_option_function<std::string>(
           flag,
           [flag, name = cmd->get_name()](const std::string&) {
             throw CLI::ValidationError(flag, fmt::format("`revsim {}` does not take it: only {} split into shards "
                                                          "and checkpoint (docs/scale-out.md)",
                                                          name, kScaleSubcommands));
           },
           "Not for this subcommand (run, audit and compare take it)")
        ->group("");  // hidden from --help
  }
}

bool scale_flags_ok(const CLI::App* cmd, const RunArgs& a) {
  const ScaleArgs& s = a.scale;
  auto refuse = [](const std::string& why) {
    fmt::print(stderr, "revsim: {}\n", why);
    return false;
  };
  if (!s.shard.empty()) {
    try {
      parse_shard(s.shard);
    } catch (const std::invalid_argument& e) {
      return refuse(e.what());
    }
    if (s.partial.empty()) return refuse(fmt::format("--shard {}: needs --partial FILE, where the shard is written", s.shard));
    for (const char* flag : {"--output", "--html", "--samples", "--format", "--tidy", "--histogram-year"})
      if (given(cmd, flag))
        return refuse(fmt::format("--shard writes only the partial file: give {} to `revsim merge` instead", flag));
    if (a.precision > 0)
      return refuse("--shard with --precision: the trial count must be fixed before the run is split (give --trials)");
    if (!s.checkpoint.empty() || !s.resume.empty())
      return refuse("--shard with --checkpoint/--resume: a shard is checkpointed by rerunning it (it is a short job)");
  } else if (!s.partial.empty()) {
    return refuse(fmt::format("--partial {}: needs --shard INDEX/COUNT (which part of the trials to run)", s.partial));
  }
  if ((!s.checkpoint.empty() || !s.resume.empty()) && a.precision > 0)
    return refuse("--checkpoint/--resume with --precision: not supported (the trial count must be fixed; give --trials)");
  if (given(cmd, "--checkpoint-every") && s.checkpoint.empty() && s.resume.empty())
    return refuse("--checkpoint-every does nothing without --checkpoint FILE");
  if (!s.resume.empty()) {
    // The checkpoint to read: said as an input, before the writability of what it will be
    // overwritten with is checked (a directory is not a place it cannot write, it is not a checkpoint).
    struct stat st {};
    if (::stat(s.resume.c_str(), &st) != 0)
      return refuse(errno == ENOENT ? fmt::format("--resume {}: no such checkpoint ({}); a run with --checkpoint FILE "
                                                  "writes one",
                                                  s.resume, std::strerror(errno))
                                    : fmt::format("--resume {}: cannot read it ({})", s.resume, std::strerror(errno)));
    if (!S_ISREG(st.st_mode))
      return refuse(fmt::format("--resume {}: {}, not a checkpoint file (the FILE a run with --checkpoint FILE wrote)",
                                s.resume, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file"));
  }
  for (const auto& [flag, path] : {std::pair{"--partial", s.partial}, {"--checkpoint", s.checkpoint}}) {
    if (path.empty()) continue;
    for (const auto& [oflag, out] : outputs(a))
      if (!out.empty() && out == path) return refuse(fmt::format("{} {}: also given as {}", flag, path, oflag));
    if (path == a.scenario) return refuse(fmt::format("{} {}: that is the scenario file", flag, path));
  }
  return true;
}

std::vector<Scenario> load_scenarios(const RunArgs& a, const std::vector<std::string>& files) {
  std::vector<Scenario> out;
  const ScaleArgs& s = a.scale;
  if (s.merged) {  // `revsim merge`: the texts the shards ran, under their names
    for (const JobScenario& j : s.merged->scenarios) {
      Scenario sc = parse_scenario(j.text, j.name, s.merged->sets);
      say_warnings(sc);
      out.push_back(std::move(sc));
    }
    return out;
  }
  if (scaled(s)) {  // the bytes recorded are the bytes parsed
    s.out.job.scenarios = job_scenarios(files);
    for (const JobScenario& j : s.out.job.scenarios) {
      Scenario sc = parse_scenario(j.text, j.name, a.sets);  // as load_scenario(file) would
      say_warnings(sc);
      out.push_back(std::move(sc));
    }
    return out;
  }
  for (const std::string& f : files) out.push_back(load_warned(f, a.sets));
  return out;
}

void attach_scale(const RunArgs& a, const std::string& subcommand, const std::vector<Scenario>& scenarios,
                  RunOptions& opt) {
  const ScaleArgs& s = a.scale;
  if (!scaled(s)) return;
  ScaleOut& so = s.out;
  if (s.merged) {
    so.job = *s.merged;
    so.merge = s.merge;
    opt.seed = so.job.seed;
    opt.seed_set = true;
    opt.trials = so.job.trials;
  } else {
    so.job.subcommand = subcommand;
    so.job.sets = a.sets;
    so.job.seed = opt.seed_set ? opt.seed : scenarios.front().seed;
    so.job.trials = opt.trials > 0 ? opt.trials : scenarios.front().trials;
    if (!s.shard.empty()) {
      so.shard = parse_shard(s.shard);
      so.partial = s.partial;
    }
    so.resume = s.resume;
    so.on_resumed = [](const ScaleOut& r) {
      fmt::print(stderr, "revsim: resumed from {} at {} of {} trials\n", r.resume, r.resumed_trials, r.job.trials);
    };
    so.checkpoint = !s.checkpoint.empty() ? s.checkpoint : s.resume;
    so.every_seconds = s.every;
  }
  so.job.version = version();
  const bool ranks = opt.comm != nullptr && opt.comm->distributed();
  if (ranks && (so.shard || !so.merge.empty()))
    throw ScaleOutError("--shard and merge are for runs without MPI: under mpirun the ranks already split the trials");
  so.write_checkpoint = !ranks || opt.comm->root();  // one writer: rank 0
  opt.scale = &so;
}

int run_scaled(const CliContext& ctx, const RunArgs& a, const std::function<int()>& run) {
  const ScaleOut& so = a.scale.out;
  try {
    return run();  // (a resume is said when its checkpoint is loaded: ScaleOut::on_resumed)
  } catch (const ShardWritten& w) {
    say_wrote(ctx, fmt::format("{} (shard {}/{}: trials [{}, {}) of {})", w.file(), w.shard().index, w.shard().count,
                               w.lo(), w.hi(), so.job.trials));
    return 0;
  } catch (const ScaleOutError& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  } catch (const RunCancelled& e) {
    if (so.checkpoint.empty() || so.checkpoints == 0) throw;
    const int sig = Interrupts::signal() != 0 ? Interrupts::signal() : SIGINT;
    fmt::print(stderr,
               "revsim: interrupted by {} after {} of {} trials; no output written; checkpoint {} holds {} of {} "
               "trials: continue with --resume {}\n",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", e.trials_done(), e.trials_total(), so.checkpoint,
               so.checkpoint_trials, so.job.trials, so.checkpoint);
    return 128 + sig;
  }
}

std::string scenario_sha256(const CliContext& ctx, const std::string& file) {
  const auto& h = ctx.merged_hashes;
  const std::string name = file == "-" ? std::string(kStdinName) : file;
  if (const auto it = h.find(name); it != h.end()) return it->second;
  return sha256_file(file);
}

}  // namespace revsim::cli
