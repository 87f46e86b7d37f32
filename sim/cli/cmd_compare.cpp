// `revsim compare`: scenarios on common random numbers, paired differences against the first.
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/compare.hpp"
#include "revsim/samples.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace revsim::cli {

namespace {

int cmd_compare(const CliContext& ctx, const std::vector<std::string>& files, const RunArgs& a) {
  const std::vector<Scenario> scenarios = load_scenarios(a, files);
  if (!year_in_horizon(a.year, scenarios.front())) return kExitBadInput;
  auto opt = run_options(ctx, a, scenarios);
  if (!opt) return kExitBadInput;
  attach_scale(a, "compare", scenarios, *opt);
  Study study;
  study.kind = AnalysisKind::compare;
  study.scenarios = std::move(scenarios);
  study.options = *opt;
  if (a.precision > 0) study.precision = precision_target(a);
  // --samples: every trial of every scenario kept (after --precision, its final count, as run
  // --samples does).
  const bool keep = !a.samples.empty();
  study.keep_samples = keep;
  Comparison c;
  ComparisonSamples kept;
  try {
    StudyResult done = run_study(study, ctx.progress);
    if (keep) {
      kept = std::get<ComparisonSamples>(std::move(done));
      c = kept.comparison;
    } else {
      c = std::get<Comparison>(std::move(done));
    }
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  if (keep) {
    write_samples(a.samples, kept);
    say_wrote(ctx, fmt::format("{} ({} scenarios x {} trials)", a.samples, kept.runs.size(), c.trials));
  }
  HtmlReport rep;
  if (!a.html.empty() || a.format == "xlsx") rep.manifest = manifest(ctx, files, a.sets, c.seed, c.trials, c.runtime.threads);
  rep.comparison = &c;
  return emit_result(
      ctx, a, c, rep,
      [&](std::ostream& os) {
        if (a.format == "csv") write_tidy_csv(os, c);  // compare's only CSV is the tidy one
        else write_table(os, c);
      },
      [&] { return comparison_sheets(c); });
}

struct CompareArgs {
  RunArgs run;
  std::vector<std::string> files;
};

}  // namespace

int compare_command(const CliContext& ctx, const std::vector<std::string>& files, const RunArgs& a) {
  return cmd_compare(ctx, files, a);
}

Command add_compare_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Compare scenarios on common random numbers: paired differences against the first");
  cmd->add_option("scenarios", a->files,
                  "Two or more scenario YAML files; the first is the baseline ('-', once: standard input)")
      ->required()
      ->type_name("FILE")
      ->expected(2, CLI::detail::expected_max_vector_size);
  add_run_options(cmd, a->run, {"table", "json", "csv", "xlsx"});
  add_tidy_option(cmd, a->run,
                  "scenario,baseline,seed,trials,year,statistic,channel,value; a scenario's own statistics have an "
                  "empty baseline, the paired ones (mean_diff, se_paired, p_greater, ...) the baseline's name; "
                  "compare's CSV is always this one");
  add_precision_options(cmd, a->run, {"mean", "p_threshold"},
                        "the paired standard error of the --stat difference from the baseline");
  cmd->add_option("--html", a->run.html, "Also write an HTML report with charts to FILE (atomically)");
  cmd->add_option("--samples", a->run.samples,
                  "Also write every trial of every scenario to FILE.csv or FILE.jsonl (atomically): one block per "
                  "scenario led by a scenario column, the columns of run --samples; the same trial index is the "
                  "same draw (pair on it). Columns in docs/model.md");
  add_scale_options(cmd, a->run);
  return {cmd,
          [cmd, a] {
            return format_flags_ok(a->run) && scale_flags_ok(cmd, a->run) && one_stdin(a->files) &&
                   no_inert_flags(cmd, {{"--year", "--precision",
                                         "it names the year whose paired standard error --precision targets"},
                                        {"--stat", "--precision", "it names the difference --precision targets"},
                                        kMaxNeedsPrecision}) &&
                   outputs_distinct(a->files, outputs(a->run), a->run.output.empty());
          },
          [&ctx, a] { return run_scaled(ctx, a->run, [&] { return cmd_compare(ctx, a->files, a->run); }); }};
}

}  // namespace revsim::cli
