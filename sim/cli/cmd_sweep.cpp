// `revsim sweep`: the cartesian grid of --grid values, every point on common random numbers
// (same seed and trial count), one CSV row per point (revsim::plan_sweep / run_sweep).
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/sweep.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>

#include <memory>

namespace revsim::cli {

namespace {

int cmd_sweep(const CliContext& ctx, const RunArgs& a, const std::vector<std::string>& grids) {
  // Every point is validated before the first run; the first point's warnings are printed once.
  const SweepPlan plan = plan_sweep(a.scenario, a.sets, grids, [](const Scenario& s) {
    say_warnings(s);
  });
  const std::size_t points = plan.points();
  const auto opt = run_options(ctx, a, {plan.scenarios.front()});
  if (!opt) return kExitBadInput;
  if (!year_in_horizon(a.year, plan.scenarios.front())) return kExitBadInput;
  const std::vector<std::string> keys = plan.keys();
  const Scenario& first = plan.scenarios.front();
  if (a.format == "xlsx" && points * static_cast<std::size_t>(first.years) + 1 > kXlsxMaxRows) {
    fmt::print(stderr, "revsim: --format xlsx: {} points x {} years is more rows than a sheet holds ({}); use "
               "--format csv\n", points, first.years, kXlsxMaxRows);
    return kExitBadInput;
  }
  const bool precision = a.precision > 0;
  std::ostringstream csv;
  Table sheet{"sweep", sweep_sheet_columns(keys), {}};
  if (a.tidy) write_csv_header(csv, tidy_sweep_columns(keys));
  else write_sweep_csv_header(csv, keys, first, precision);
  Study study;
  study.kind = AnalysisKind::sweep;
  study.plan = &plan;
  study.options = *opt;
  if (precision) study.precision = precision_target(a);
  study.on_point = [&](const SweepPoint& p) {
    const Results& r = p.results;
    if (a.format == "xlsx") add_sweep_rows(sheet, r, *p.values);
    else if (a.tidy) write_tidy_sweep_rows(csv, r, *p.values);
    else write_sweep_csv_row(csv, r, *p.values, precision);
  };
  ProgressLine& sink = *ctx.progress;
  const auto done = std::get<SweepSummary>(run_study(study, &sink));
  if (a.format == "xlsx") {
    std::vector<std::pair<std::string, Cell>> extra;
    for (const std::string& g : grids) extra.emplace_back("--grid", g);
    if (precision) extra.emplace_back("trials", "per point (the sweep sheet's trials column)");
    return emit_xlsx(ctx, a.output, manifest(ctx, {a.scenario}, a.sets, done.seed, done.trials, done.threads), {std::move(sheet)},
                     extra);
  }
  return emit(ctx, csv.str(), a.output);
}

struct SweepArgs {
  RunArgs run;
  std::vector<std::string> grids;
};

}  // namespace

Command add_sweep_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a grid of parameter values on common random numbers; one CSV row per point (--tidy: per point, "
               "year, statistic and channel)");
  cmd->add_option("scenario", a->run.scenario, kScenarioHelp)->required();
  cmd->add_option("--grid", a->grids, "KEY=START:STOP:STEP (inclusive) or KEY=V1,V2,... (repeatable: cartesian)")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  a->run.format = "csv";
  add_run_options(cmd, a->run, {"csv", "xlsx"});
  add_tidy_option(cmd, a->run, "scenario,seed,trials,KEY...,year,statistic,channel,value (one KEY column per --grid)");
  add_precision_options(cmd, a->run, {"mean", "p_threshold", "p_listing", "p_alive"},
                        "the standard error of --stat at each point (a 'trials' column follows the parameters)");
  refuse_scale_options(cmd);
  return {cmd,
          [cmd, a] {
            return format_flags_ok(a->run) &&
                   no_inert_flags(cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision}) &&
                   outputs_distinct({a->run.scenario}, outputs(a->run), a->run.output.empty());
          },
          [&ctx, a] { return cmd_sweep(ctx, a->run, a->grids); }};
}

}  // namespace revsim::cli
