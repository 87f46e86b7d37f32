// `revsim merge part-*.bin`: the partial files of `run|audit|compare --shard i/N --partial FILE`
// merged in block order into the output one run gives (byte-identical, `runtime` aside). The
// partials carry the scenario texts, --set, seed and trials, so no YAML file is needed here.
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/output_file.hpp"
#include "revsim/scale_out.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>

namespace revsim::cli {

namespace {

struct MergeArgs {
  RunArgs run;
  std::vector<std::string> files;
};

/// The formats each subcommand writes (as their --format lists).
const std::vector<std::string>& formats_of(const std::string& subcommand) {
  static const std::vector<std::string> run{"table", "json", "csv", "xlsx"}, audit{"table", "json", "xlsx"};
  return subcommand == "audit" ? audit : run;
}

int cmd_merge(const CliContext& ctx, MergeArgs& m, const CLI::App* cmd) {
  std::vector<PartialInfo> parts;
  try {
    parts = check_partials(m.files);
  } catch (const ScaleOutError& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  const Job& job = parts.front().job;
  if (job.version != version()) {
    fmt::print(stderr, "revsim: merge refused: the partials were written by revsim {}, this is revsim {} (merge with "
                       "the version that ran the shards)\n", job.version, version());
    return kExitBadInput;
  }
  RunArgs& a = m.run;
  const auto& formats = formats_of(job.subcommand);
  // -o FILE.json without --format writes JSON, as on the subcommand that ran the shards (it wrote
  // the table into result.json); a --format the extension contradicts is warned about.
  format_from_extension(a, formats, cmd->get_option("--format")->count() > 0,
                        fmt::format("a merge of `revsim {}`", job.subcommand));
  if (std::find(formats.begin(), formats.end(), a.format) == formats.end()) {
    fmt::print(stderr, "revsim: --format {}: `revsim {}` writes {}\n", a.format, job.subcommand, fmt::join(formats, ", "));
    return kExitBadInput;
  }
  if (job.subcommand == "compare" && (cmd->get_option("--samples")->count() > 0 || a.histogram_year)) {
    fmt::print(stderr, "revsim: --samples and --histogram-year: a merge of `revsim compare` shards does not write them "
                       "(they are for merged runs; for a compare's samples run `revsim compare --samples` "
                       "in one process)\n");
    return kExitBadInput;
  }
  if (job.subcommand == "audit" &&
      (cmd->get_option("--samples")->count() > 0 || cmd->get_option("--html")->count() > 0 || a.histogram_year)) {
    // A merge writes what the command that ran the shards writes, and `revsim audit` takes neither.
    fmt::print(stderr, "revsim: --html, --samples and --histogram-year: `revsim audit` does not write them, nor does a "
                       "merge of its shards (shard `revsim run` for an HTML report or every trial's samples)\n");
    return kExitBadInput;
  }
  std::vector<std::string> names;
  for (const JobScenario& s : job.scenarios) names.push_back(s.name);
  a.scenario = names.front();
  a.sets = job.sets;
  a.trials = job.trials;
  for (const PartialInfo& p : parts) a.scale.merge.push_back(p.file);
  a.scale.merged = job;
  // The subcommand's manifests give the partials' scenario hashes (the YAML files need not exist here).
  CliContext merged = ctx;
  for (const JobScenario& s : job.scenarios) merged.merged_hashes[s.name] = s.sha256;
  if (!outputs_distinct(m.files, outputs(a), a.output.empty(), "partial")) return kExitBadInput;
  if (job.subcommand == "run" || job.subcommand == "audit") return scenario_command(merged, a, job.subcommand);
  if (job.subcommand == "compare") return compare_command(merged, names, a);
  fmt::print(stderr, "revsim: merge refused: the partials are of `revsim {}`, which this revsim cannot merge\n",
             job.subcommand);
  return kExitBadInput;
}

}  // namespace

Command add_merge_command(CLI::App& app, const CliContext& ctx) {
  auto m = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge the partial files of `run|audit|compare --shard INDEX/COUNT --partial FILE` into the output one run "
      "gives (same bytes, runtime aside); every shard exactly once, all of one job, or refused");
  cmd->add_option("partials", m->files, "The partial files, one per shard, in any order")
      ->required()
      ->type_name("FILE")
      ->expected(1, CLI::detail::expected_max_vector_size);
  RunArgs& a = m->run;
  cmd->add_option("--format,-f", a.format, "Output format, as the subcommand that ran the shards: table, json, csv "
                                           "(run, compare), xlsx (needs -o)")
      ->check(CLI::IsMember({"table", "json", "csv", "xlsx"}));
  cmd->add_option("--output,-o", a.output,
                  "Write the output to FILE (atomically) instead of standard output ('-': standard output)")
      ->transform(kDashIsStdout);
  cmd->add_flag("--tidy", a.tidy, "With --format csv: the long (tidy) CSV, as the subcommand's --tidy");
  cmd->add_option("--html", a.html, "run: also write an HTML report with charts to FILE (atomically)");
  cmd->add_option("--samples", a.samples, "run: also write every trial's revenue to FILE.csv or FILE.jsonl "
                                          "(the shards must have kept exact samples)");
  add_year_option(cmd, a.histogram_year, "run: fiscal year of the HTML report's histogram", "--histogram-year");
  return {cmd, [m] { return format_flags_ok(m->run); }, [&ctx, m, cmd] { return run_scaled(ctx, m->run, [&] { return cmd_merge(ctx, *m, cmd); }); }};
}

}  // namespace revsim::cli
