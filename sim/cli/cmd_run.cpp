// `revsim run`, `revsim audit` and `revsim report`: one scenario simulated, reported as a table,
// JSON, CSV, workbook or HTML page.
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/samples.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>

#include <map>
#include <memory>
#include <stdexcept>

#include <unistd.h>

namespace revsim::cli {

namespace {

enum class Mode { run, audit, report };

int cmd_run(const CliContext& ctx, const RunArgs& a, Mode mode) {
  const std::vector<Scenario> s = load_scenarios(a, {a.scenario});
  if (mode == Mode::audit && s.front().forecast.empty()) {
    fmt::print(stderr, "revsim: {}: no 'forecast' to audit (add e.g. forecast: {{2025: 250}})\n", s.front().source);
    return kExitBadInput;
  }
  const int y0 = s.front().start_year, y1 = s.front().start_year + s.front().years - 1;
  if (a.histogram_year && (*a.histogram_year < y0 || *a.histogram_year > y1)) {
    fmt::print(stderr, "revsim: --histogram-year {}: not a fiscal year of the scenario ({}..{})\n", *a.histogram_year, y0, y1);
    return kExitBadInput;
  }
  if (!year_in_horizon(a.year, s.front())) return kExitBadInput;
  auto opt = run_options(ctx, a, s);
  if (!opt) return kExitBadInput;
  attach_scale(a, mode == Mode::audit ? "audit" : "run", s, *opt);
  Study study;
  study.kind = AnalysisKind::run;
  study.scenarios = s;
  study.options = *opt;
  if (a.precision > 0) study.precision = precision_target(a);
  study.keep_samples = !a.samples.empty();
  ProgressLine& sink = *ctx.progress;
  RunStudy run;
  try {
    run = std::get<RunStudy>(run_study(study, &sink));
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  const Results& r = run.results;
  if (run.samples) {
    write_samples(a.samples, *run.samples);
    say_wrote(ctx, fmt::format("{} ({} trials)", a.samples, r.trials));
  }
  if (!a.html.empty() || mode == Mode::report) {
    HtmlReport rep;
    rep.manifest = manifest(ctx, {a.scenario}, a.sets, r.seed, r.trials, r.runtime.threads);
    rep.results = &r;
    rep.histogram_year = a.histogram_year;
    Sensitivity tornado;
    if (a.tornado) {
      Study t;
      t.kind = AnalysisKind::sensitivity;
      t.scenarios = s;
      t.file = a.scenario;
      t.sets = a.sets;
      t.options = *opt;
      t.options.trials = a.tornado_trials;
      t.stat = a.stat;
      t.year = a.year ? *a.year : default_histogram_year(r);
      try {
        tornado = std::get<Sensitivity>(run_study(t, &sink));
      } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "revsim: {}\n", e.what());
        return kExitBadInput;
      }
      rep.tornado = &tornado;
    }
    if (mode == Mode::report) {
      std::ostringstream html;
      write_html(html, rep);
      return emit(ctx, html.str(), a.output);
    }
    emit_html(ctx, rep, a.html);
  }
  if (a.format == "xlsx")
    return emit_xlsx(ctx, a.output, manifest(ctx, {a.scenario}, a.sets, r.seed, r.trials, r.runtime.threads),
                     results_sheets(r), {{"quantiles", Cell(r.quantiles)}});
  static const std::map<std::string, Format> formats{
      {"table", Format::table}, {"json", Format::json}, {"csv", Format::csv}};
  std::ostringstream text;
  TableStyle style;
  style.color = a.output.empty() && stdout_colour(ctx);
  if (mode == Mode::audit && a.format == "table") write_audit(text, r);
  else if (a.tidy) write_tidy_csv(text, r);
  else write_report(text, r, formats.at(a.format), style);
  return emit(ctx, text.str(), a.output);
}

}  // namespace

int scenario_command(const CliContext& ctx, const RunArgs& a, const std::string& subcommand) {
  return cmd_run(ctx, a, subcommand == "audit" ? Mode::audit : Mode::run);
}

Command add_run_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Simulate a scenario and report yearly revenue distributions");
  cmd->add_option("scenario", a->scenario, kScenarioHelp)->required();
  add_run_options(cmd, *a, {"table", "json", "csv", "xlsx"});
  add_tidy_option(cmd, *a, "scenario,seed,trials,year,statistic,channel,value");
  add_precision_options(cmd, *a, {"mean", "p_threshold", "p_listing", "p_alive"});
  add_report_options(cmd, *a, true);
  add_scale_options(cmd, *a);
  return {cmd,
          [cmd, a] {
            return format_flags_ok(*a) && scale_flags_ok(cmd, *a) &&
                   no_inert_flags(cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision,
                                        {"--histogram-year", "--html", "the histogram is drawn in the HTML report"}}) &&
                   outputs_distinct({a->scenario}, outputs(*a), a->output.empty());
          },
          [&ctx, a] { return run_scaled(ctx, *a, [&] { return cmd_run(ctx, *a, Mode::run); }); }};
}

Command add_report_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Simulate a scenario and write one self-contained HTML report with charts (-o FILE.html)");
  cmd->add_option("scenario", a->scenario, kScenarioHelp)->required();
  add_run_options(cmd, *a, {"html"});
  add_report_options(cmd, *a, false);
  cmd->add_flag("--tornado", a->tornado, "Add a tornado chart of --stat in --year (default: the histogram's year)");
  cmd->add_option("--tornado-trials", a->tornado_trials, "Trials per tornado level (default 2000)")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{100}, kMaxTrials));
  cmd->add_option("--stat", a->stat, "Statistic of the tornado: mean, p50, p_threshold, p_listing or p_alive")
      ->check(CLI::IsMember({"mean", "p50", "p_threshold", "p_listing", "p_alive"}));
  add_year_option(cmd, a->year, "Fiscal year of the tornado");
  refuse_scale_options(cmd);
  return {cmd,
          [cmd, a] {
            if (!no_inert_flags(cmd, {{"--stat", "--tornado", "it names the tornado's statistic"},
                                      {"--year", "--tornado", "it names the tornado's year"},
                                      {"--tornado-trials", "--tornado", "it sets the tornado's trials per level"}}) ||
                !outputs_distinct({a->scenario}, outputs(*a), a->output.empty()))
              return false;
            if (a->output.empty() && ::isatty(STDOUT_FILENO) == 1) {
              fmt::print(stderr, "revsim: report writes an HTML file: give -o FILE.html (standard output is a terminal)\n");
              return false;
            }
            return true;
          },
          [&ctx, a] { return cmd_run(ctx, *a, Mode::report); }};
}

Command add_audit_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Audit the scenario's forecast: its percentile, P(revenue >= forecast), the face-value pipeline");
  cmd->add_option("scenario", a->scenario, "Scenario YAML file with a 'forecast' ('-': standard input)")->required();
  add_run_options(cmd, *a, {"table", "json", "xlsx"});
  add_precision_options(cmd, *a, {"mean", "p_threshold", "p_listing", "p_alive"});
  add_scale_options(cmd, *a);
  return {cmd,
          [cmd, a] {
            return format_flags_ok(*a) && scale_flags_ok(cmd, *a) &&
                   no_inert_flags(cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision}) &&
                   outputs_distinct({a->scenario}, outputs(*a), a->output.empty());
          },
          [&ctx, a] { return run_scaled(ctx, *a, [&] { return cmd_run(ctx, *a, Mode::audit); }); }};
}

}  // namespace revsim::cli
