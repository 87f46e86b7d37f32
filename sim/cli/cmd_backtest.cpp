// `revsim backtest`: history scenarios against their filed actuals (PIT, bands, CRPS, coverage).
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/backtest.hpp"

#include <fmt/format.h>

#include <memory>

namespace revsim::cli {

namespace {

int cmd_backtest(const CliContext& ctx, const std::vector<std::string>& files, const RunArgs& a) {
  std::vector<Scenario> scenarios;
  for (const std::string& f : files) scenarios.push_back(load_warned(f, a.sets));
  for (const Scenario& s : scenarios)
    if (s.actuals.empty() && s.actuals_top5_share.empty() && s.actuals_channels.empty()) {
      fmt::print(stderr, "revsim: {}: no 'actuals' to test (a history scenario carries e.g. actuals: {{{}: 120}})\n",
                 s.source, s.start_year);
      return kExitBadInput;
    }
  auto opt = run_options(ctx, a, scenarios);
  if (!opt) return kExitBadInput;
  Study study;
  study.kind = AnalysisKind::backtest;
  study.scenarios = std::move(scenarios);
  study.options = *opt;
  Backtest b;
  {
    ProgressLine& sink = *ctx.progress;
    b = std::get<Backtest>(run_study(study, &sink));
  }
  HtmlReport rep;
  if (!a.html.empty()) {
    const BacktestCompany& first = b.companies.front();
    rep.manifest = manifest(ctx, files, a.sets, first.seed, first.trials, b.runtime.threads);
  }
  rep.backtest = &b;
  return emit_result(ctx, a, b, rep, [&](std::ostream& os) { write_table(os, b); });
}

struct BacktestArgs {
  RunArgs run;
  std::vector<std::string> files;
};

}  // namespace

Command add_backtest_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<BacktestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backtest", "Test history scenarios against what the companies filed: each actual's percentile (PIT), "
                  "P10-P90 and P5-P95 bands, CRPS, pooled coverage");
  cmd->add_option("scenarios", a->files, "History scenario YAML files, each with 'actuals' ('-', once: standard input)")
      ->required()
      ->type_name("FILE")
      ->expected(1, CLI::detail::expected_max_vector_size);
  add_run_options(cmd, a->run, {"table", "json"});
  cmd->add_option("--html", a->run.html,
                  "Also write an HTML page (PIT histogram, a fan chart per company with its actuals) to FILE "
                  "(atomically)");
  refuse_scale_options(cmd);
  return {cmd,
          [a] { return one_stdin(a->files) && outputs_distinct(a->files, outputs(a->run), a->run.output.empty()); },
          [&ctx, a] { return cmd_backtest(ctx, a->files, a->run); }};
}

}  // namespace revsim::cli
