// The subcommands of revsim, one registration function each (one file each: cmd_*.cpp). Each
// adds its subcommand and flags to `app` and returns how to check and run it; the options live
// in the returned closures, the context is the one main owns.
#pragma once

#include "cli_common.hpp"

namespace revsim::cli {

Command add_run_command(CLI::App& app, const CliContext& ctx);          // cmd_run.cpp
Command add_report_command(CLI::App& app, const CliContext& ctx);       // cmd_run.cpp
Command add_audit_command(CLI::App& app, const CliContext& ctx);        // cmd_run.cpp
Command add_compare_command(CLI::App& app, const CliContext& ctx);      // cmd_compare.cpp
Command add_sensitivity_command(CLI::App& app, const CliContext& ctx);  // cmd_sensitivity.cpp
Command add_sweep_command(CLI::App& app, const CliContext& ctx);        // cmd_sweep.cpp
Command add_backtest_command(CLI::App& app, const CliContext& ctx);     // cmd_backtest.cpp
Command add_validate_command(CLI::App& app, const CliContext& ctx);     // cmd_validate.cpp
Command add_calibrate_command(CLI::App& app, const CliContext& ctx);    // cmd_calibrate.cpp
Command add_merge_command(CLI::App& app, const CliContext& ctx);        // cmd_merge.cpp

/// run or audit (`subcommand`) with `a` as parsed: what `revsim merge` calls (cmd_run.cpp).
int scenario_command(const CliContext& ctx, const RunArgs& a, const std::string& subcommand);
/// compare of `files` with `a`: what `revsim merge` calls (cmd_compare.cpp).
int compare_command(const CliContext& ctx, const std::vector<std::string>& files, const RunArgs& a);

}  // namespace revsim::cli
