// `revsim sensitivity`: the tornado (or spider) of every parameter, or with --sobol the
// variance-based indices.
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/precision.hpp"
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
  if (sob.on) {
    if (spider) {
      fmt::print(stderr, "revsim: --sobol and --spider are different analyses; give one\n");
      return kExitBadInput;
    }
    if (a.precision > 0) {
      fmt::print(stderr, "revsim: --precision applies to the tornado; with --sobol give the base rows with --trials "
                         "and read the bootstrap intervals\n");
      return kExitBadInput;
    }
    Sobol result;
    try {
      RunOptions o = *opt;
      Progress progress(ctx, 0);
      o.progress = progress.counter();
      result = sobol(a.scenario, a.sets, o, a.stat, a.year, sob.bootstrap, sob.level);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "revsim: {}\n", e.what());
      return kExitBadInput;
    }
    HtmlReport rep;
    if (!a.html.empty()) rep.manifest = manifest(ctx, {a.scenario}, a.sets, result.seed, result.base_rows, opt->threads);
    rep.sobol = &result;
    return emit_result(ctx, a, result, rep, [&](std::ostream& os) { write_table(os, result); });
  }
  Sensitivity result;
  try {
    RunOptions o = *opt;
    Progress progress(ctx, 0);
    o.progress = progress.counter();
    if (a.precision > 0) {
      // Every level runs the trial count the scenario as given needs for the target.
      if (a.stat == "p50") throw std::invalid_argument("--precision: p50 has no standard error here; use mean");
      PrecisionTarget target = precision_target(a);
      if (a.year == 0) target.year = s.front().start_year + s.front().years - 1;
      const Results base = run_to_precision(s.front(), o, target);
      const double se = worst_standard_error(base, target);
      fmt::print(stderr, "revsim: {} trials per level: standard error of {} {:.3g} as given ({} the target {:g})\n",
                 base.trials, target.stat, se, se <= target.se ? "meets" : "misses, --max-trials reached:", target.se);
      o.trials = base.trials;
    }
    result = sensitivity(a.scenario, a.sets, o, a.stat, a.year, spider);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
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
  cmd->add_option("--stat", sens.stat, "mean, p50, p_threshold, p_listing or p_alive")
      ->check(CLI::IsMember({"mean", "p50", "p_threshold", "p_listing", "p_alive"}));
  cmd->add_option("--year", sens.year, "Fiscal year (default: the last)")->check(kInteger);
  cmd->add_option("--html", sens.html, "Also write an HTML report with the chart to FILE (atomically)");
  add_precision_options(cmd, sens, {},
                        "the standard error of --stat in --year, as given (every level runs that many trials)");
  cmd->add_flag("--spider", a->spider, "Five levels per parameter (P10, P30, P50, P70, P90) instead of two");
  cmd->add_option("--top", a->top, "Rows in the table (default 25)")->check(kInteger)->check(CLI::PositiveNumber);
  cmd->add_flag("--sobol", a->sobol.on,
                "Variance-based indices instead: first-order and total Sobol indices of every uncertain "
                "parameter drawn once per trial, plus (luck); --trials is the base sample N (default "
                "min(trials, 4096)), N (factors + 2) trials are run");
  cmd->add_option("--bootstrap", a->sobol.bootstrap, "Sobol: bootstrap resamples for the intervals (default 1000)")
      ->check(kInteger)
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--level", a->sobol.level, "Sobol: confidence level of the intervals (default 0.95)")
      ->check(CLI::Range(0.5, 0.999));
  refuse_scale_options(cmd);
  return {cmd,
          [cmd, a] {
            const RunArgs& r = a->run;
            if (!format_flags_ok(r)) return false;
            if (a->sobol.on && (r.format == "csv" || r.format == "xlsx")) {
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
