// `revsim sensitivity`: the tornado (or spider) of every parameter, or with --sobol the
// variance-based indices.
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"
#include "revsim/tidy_csv.hpp"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace revsim::cli {

namespace {

struct SobolArgs {
  bool on = false;
  int bootstrap = 1000;
  double level = 0.95;
};

int cmd_sensitivity(const CliContext& ctx, const RunArgs& a, bool spider, std::size_t top, const SobolArgs& sob) {
  const std::vector<Scenario> s{load_warned(a.scenario, a.sets)};
  if (!year_in_horizon(a.year, s.front())) return kExitBadInput;
  const auto opt = run_options(ctx, a, s);
  if (!opt) return kExitBadInput;
  Study study;
  study.kind = sob.on ? AnalysisKind::sobol : AnalysisKind::sensitivity;
  study.scenarios = s;
  study.file = a.scenario;
  study.sets = a.sets;
  study.options = *opt;
  if (a.precision > 0) study.precision = precision_target(a);
  study.stat = a.stat;
  study.year = a.year;
  study.spider = spider;
  study.bootstrap = sob.bootstrap;
  study.level = sob.level;
  ProgressLine& sink = *ctx.progress;
  StudyResult done;
  try {
    done = run_study(study, &sink);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  if (sob.on) {
    const Sobol& result = std::get<Sobol>(done);
    HtmlReport rep;
    if (!a.html.empty()) rep.manifest = manifest(ctx, {a.scenario}, a.sets, result.seed, result.base_rows, opt->threads);
    rep.sobol = &result;
    return emit_result(ctx, a, result, rep, [&](std::ostream& os) { write_table(os, result); });
  }
  const Sensitivity& result = std::get<Sensitivity>(done);
  HtmlReport rep;
  if (!a.html.empty() || a.format == "xlsx")
    rep.manifest = manifest(ctx, {a.scenario}, a.sets, result.seed, result.trials, opt->threads);
  rep.tornado = &result;
  return emit_result(
      ctx, a, result, rep,
      [&](std::ostream& os) {
        if (a.format == "csv") write_tidy_csv(os, result);  // sensitivity's only CSV is the tidy one
        else write_table(os, result, top);
      },
      [&] { return std::vector<Table>{sensitivity_sheet(result)}; },
      {{"statistic", result.stat}, {"year", std::int64_t{result.year}}, {"base", result.base}});
}

struct SensitivityArgs {
  RunArgs run;
  bool spider = false;
  std::size_t top = 25;
  SobolArgs sobol;
};

}  // namespace

Command add_sensitivity_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<SensitivityArgs>();
  RunArgs& sens = a->run;
  CLI::App* cmd = app.add_subcommand(
      "sensitivity",
      "Tornado: rank every parameter by how far its P10..P90 (constants +-20 %) moves a statistic; --sobol: "
      "variance-based indices");
  cmd->add_option("scenario", sens.scenario, kScenarioHelp)->required();
  add_run_options(cmd, sens, {"table", "json", "csv", "xlsx"});
  add_tidy_option(cmd, sens,
                  "scenario,seed,trials,year,statistic,channel,parameter,given,level,setting,value; level is base, "
                  "low/high (1..5 with --spider) or swing, setting the parameter's value; sensitivity's CSV is "
                  "always this one");
  // The shared --trials help says "the scenario's 'trials'"; sensitivity caps its default.
  cmd->get_option("--trials")
      ->description("Trials per level (default: the scenario's 'trials', at most 10000); with --sobol the base "
                    "sample N (default: the scenario's 'trials', at most 4096)");
  cmd->add_option("--stat", sens.stat, "mean, p50, p_threshold, p_listing or p_alive (default p_threshold)")
      ->check(CLI::IsMember({"mean", "p50", "p_threshold", "p_listing", "p_alive"}));
  add_year_option(cmd, sens.year, "Fiscal year (default: the last)");
  cmd->add_option("--html", sens.html, "Also write an HTML report with the chart to FILE (atomically)");
  add_precision_options(cmd, sens, {},
                        "the standard error of --stat in --year, as given (every level runs that many trials)");
  cmd->add_flag("--spider", a->spider, "Five levels per parameter (P10, P30, P50, P70, P90) instead of two");
  cmd->add_option("--top", a->top, "Rows in the table (default 25)")
      ->check(kInteger)
      ->check(CLI::Validator(
          [](std::string& v) { return v[0] == '-' || v.find_first_not_of('0') == std::string::npos
                                          ? std::string("must be at least 1")
                                          : std::string(); },
          "", "INTEGER >= 1"));
  cmd->add_flag("--sobol", a->sobol.on,
                "Variance-based indices instead: first-order and total Sobol indices of every uncertain "
                "parameter drawn once per trial, plus (luck); --trials is the base sample N (default "
                "min(trials, 4096)), N (factors + 2) trials are run");
  cmd->add_option("--bootstrap", a->sobol.bootstrap, "Sobol: bootstrap resamples for the intervals (default 1000)")
      ->check(kInteger)
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--level", a->sobol.level, "Sobol: confidence level of the intervals (default 0.95)")
      ->check(real_range(0.5, 0.999));
  refuse_scale_options(cmd);
  return {cmd,
          [cmd, a] {
            const RunArgs& r = a->run;
            if (!format_flags_ok(r)) return false;
            if (a->sobol.on && (r.format == "csv" || r.format == "xlsx")) {
              if (cmd->count("--format") == 0)  // taken from -o's extension
                fmt::print(stderr, "revsim: -o {}: --sobol writes table or json, not {} (give --format)\n", r.output, r.format);
              else
                fmt::print(stderr, "revsim: --format {} writes the tornado; --sobol writes table or json\n", r.format);
              return false;
            }
            if (!no_inert_flags(cmd, {{"--bootstrap", "--sobol", "it sets the resamples of the Sobol intervals"},
                                      {"--level", "--sobol", "it sets the confidence level of the Sobol intervals"},
                                      kMaxNeedsPrecision}) ||
                !outputs_distinct({r.scenario}, outputs(r), r.output.empty()))
              return false;
            if (cmd->count("--top") > 0 && (a->sobol.on || r.format != "table")) {
              const char* what = r.format == "json" ? "JSON" : r.format == "csv" ? "CSV" : "workbook";
              fmt::print(stderr, "revsim: --top has no effect {}\n",
                         a->sobol.on ? std::string("with --sobol: the Sobol table lists every factor")
                                     : fmt::format("with --format {}: the {} lists every parameter", r.format, what));
              return false;
            }
            return true;
          },
          [&ctx, a] { return cmd_sensitivity(ctx, a->run, a->spider, a->top, a->sobol); }};
}

}  // namespace revsim::cli
