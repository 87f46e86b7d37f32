// `revsim calibrate`: fit a runnable scenario to a CRM export (docs/calibrate.md).
#include "commands.hpp"
#include "scale_cli.hpp"

#include "revsim/calibrate.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace revsim::cli {

namespace {

struct CalibrateArgs {
  std::string deals;
  std::string output;
  std::string as_of;
  std::string prior = "hierarchical";
  std::string format = "table";
  int years = 5;
  bool fragment = false;
};

/// The fitted scenario to -o (or standard output), the report to standard output (or, when the
/// scenario takes it, to standard error). The scenario is loaded back before anything is
/// written: calibrate never writes a file `run` would refuse.
int cmd_calibrate(const CliContext& ctx, const CalibrateArgs& a) {
  CalibrateOptions opt;
  if (!a.as_of.empty()) {
    opt.as_of = parse_date(a.as_of);
    if (!opt.as_of) {
      fmt::print(stderr, "revsim: --as-of: '{}' is not a date (expected YYYY-MM-DD)\n", a.as_of);
      return kExitBadInput;
    }
  }
  opt.prior = a.prior == "eb" ? Prior::empirical_bayes : a.prior == "jeffreys" ? Prior::jeffreys : Prior::hierarchical;
  opt.years = a.years;
  opt.fragment = a.fragment;
  const DealTable deals = read_deals(a.deals, opt.as_of);
  const Calibration c = calibrate(deals, opt);
  try {
    (void)parse_scenario(c.yaml, a.output.empty() ? "<calibrated>" : a.output);
  } catch (const ScenarioError& e) {
    fmt::print(stderr, "revsim: error: the calibrated scenario does not load ({}); nothing written\n", e.what());
    return 1;
  }
  std::ostringstream report;
  if (a.format == "json") report << to_json(c).dump(2) << '\n';
  else write_table(report, c);
  if (a.output.empty()) {
    write_stdout(ctx, c.yaml);
    if (!ctx.quiet) fmt::print(stderr, "{}", report.str());
    return 0;
  }
  write_file_atomically(a.output, c.yaml);
  say_wrote(ctx, a.output);
  write_stdout(ctx, report.str());
  return 0;
}

}  // namespace

Command add_calibrate_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<CalibrateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Fit a runnable scenario to a CRM export (one CSV row per stage a deal went through; docs/calibrate.md)");
  cmd->add_option("deals", a->deals,
                  "CSV with columns deal, channel, account, industry, stage, entered, left, outcome, value, cards "
                  "(and optionally reason)")
      ->required();
  cmd->add_option("--output,-o", a->output,
                  "Write the scenario to FILE (atomically); the report then goes to standard output ('-': the "
                  "scenario to standard output, as without -o)")
      ->transform(kDashIsStdout);
  cmd->add_option("--as-of", a->as_of,
                  "Date of the export, YYYY-MM-DD: month 0 of the scenario is its month (default: the latest date "
                  "in the file)");
  cmd->add_option("--prior", a->prior,
                  "Stage probabilities: hierarchical (default: pooled across channels, hyper-parameters integrated "
                  "out), eb (empirical Bayes: the same, plugged in; intervals too narrow) or jeffreys (no pooling)")
      ->check(CLI::IsMember({"hierarchical", "eb", "jeffreys"}));
  cmd->add_option("--format,-f", a->format, "Report format: table, json (json needs -o)")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->add_option("--years", a->years, "Horizon of the scenario in fiscal years (default 5)")
      ->check(kInteger)
      ->check(CLI::Range(1, kMaxYears));
  cmd->add_flag("--fragment", a->fragment,
                "Write only the channels (start year and month as a comment), to paste into a scenario");
  refuse_scale_options(cmd);
  return {cmd,
          [cmd, a, &ctx] {
            if (!outputs_distinct({a->deals}, {{"-o", a->output}}, true, "deals file") || !outputs_writable(ctx, {{"-o", a->output}}))
              return false;
            if (a->format == "json" && a->output.empty()) {
              fmt::print(stderr, "revsim: --format json is the report's format and the report goes to standard output "
                                 "only with -o FILE (without it the scenario does): give -o\n");
              return false;
            }
            if (a->fragment && cmd->count("--years") > 0) {
              fmt::print(stderr, "revsim: --years has no effect with --fragment: a fragment has no horizon\n");
              return false;
            }
            // -o is the scenario, always YAML (--format is the report's): an extension that says
            // otherwise is warned about, as run warns of one it does not write.
            const std::string ext = file_extension(a->output);
            if (!ext.empty() && ext != "yaml" && ext != "yml")
              fmt::print(stderr, "revsim: warning: -o {}: calibrate writes the scenario as YAML whatever the name "
                                 "(--format sets the report's format); name it .yaml\n",
                         a->output);
            return true;
          },
          [&ctx, a] { return cmd_calibrate(ctx, *a); }};
}

}  // namespace revsim::cli
