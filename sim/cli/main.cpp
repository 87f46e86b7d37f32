// revsim: a thin main that builds the command line, registers one subcommand per file
// (cmd_*.cpp), dispatches to the one given and maps what is thrown to an exit code.
// Exit codes: 0 success, 1 cannot write output / internal error, 2 bad input, 128+signal
// interrupted, 141 the reader of standard output went away.
#include "commands.hpp"
#include "ranks.hpp"

#include "revsim/engine.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using namespace revsim::cli;

/// The name of `names` within two edits of `word` (the closest; "" when none is).
std::string nearest_name(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_d = 3;
  for (const std::string& n : names) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> row(n.size() + 1);
    for (std::size_t j = 0; j <= n.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= word.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= n.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (word[i - 1] == n[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[n.size()] < best_d) {
      best_d = row[n.size()];
      best = n;
    }
  }
  return best;
}

int run_cli(CLI::App& app, CliContext& ctx, int argc, char** argv) {
  app.set_version_flag("--version", std::string("revsim ") + revsim::version());
  app.require_subcommand(1);
  app.fallthrough();  // --no-color and --quiet also after the subcommand
  app.add_flag("--no-color", ctx.no_color, "No colour in the table (also when NO_COLOR is set or stdout is not a terminal)");
  app.add_flag("--quiet,-q", ctx.quiet, "No progress line and no 'wrote FILE' on stderr (errors and warnings still)");
  app.footer("Exit codes: 0 success, 1 cannot write the output, 2 bad scenario or flags (nothing written),\n"
             "141 the reader of standard output went away (| head).\n"
             "Scenario keys and the model: docs/model.md; every key commented in scenarios/example.yaml.");
  // In the order --help lists them.
  const Command commands[] = {add_run_command(app, ctx),         add_report_command(app, ctx),
                              add_audit_command(app, ctx),       add_compare_command(app, ctx),
                              add_sensitivity_command(app, ctx), add_sweep_command(app, ctx),
                              add_backtest_command(app, ctx),    add_validate_command(app, ctx),
                              add_calibrate_command(app, ctx),
                              add_merge_command(app, ctx)};
  // The first word that is not a flag names the subcommand (the top level has flags only); CLI11
  // would say "A subcommand is required" for a misspelt one, so it is named here.
  std::vector<std::string> names;
  for (const Command& c : commands) names.push_back(c.app->get_name());
  bool named = false, asked = false;  // a subcommand given; --help or --version
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--help" || word == "-h" || word == "--version") asked = true;
    if (word.empty() || word[0] == '-') continue;
    named = true;
    bool known = false;
    for (const Command& c : commands) known = known || c.app->check_name(word);
    if (!known) {
      const std::string near = nearest_name(word, names);
      fmt::print(stderr, "revsim: unknown subcommand '{}'{} (see revsim --help)\n", word,
                 near.empty() ? "" : fmt::format(": did you mean '{}'?", near));
      return kExitBadInput;
    }
    break;
  }
  if (!named && !asked) {
    fmt::print(stderr, "revsim: no subcommand: give one of {} (see revsim --help)\n", fmt::join(names, ", "));
    return kExitBadInput;
  }
  app.parse(argc, argv);
  for (const Command& c : commands) {
    if (!*c.app) continue;
    // Flags that would do nothing, and outputs that would destroy an input or each other:
    // refused before anything is loaded, run or written.
    if (!c.check()) return kExitBadInput;
    Interrupts::install(*ctx.progress);
    return c.run();
  }
  return 0;
}

/// The one map from what was thrown to an exit code (and the message on stderr).
int exit_status(const CLI::App& app, Ranks& ranks) {
  try {
    throw;
  } catch (const CLI::ExtrasError& e) {
    // The leftover words in the order given (CLI11's message lists them last first, and a word
    // with a space in it could not be told apart there), naming the subcommand whose --help
    // lists what it takes.
    std::string words;
    for (const std::string& w : app.remaining(true)) {
      const bool quote = w.empty() || w.find(' ') != std::string::npos;
      if (!words.empty()) words += ' ';
      words += quote ? "'" + w + "'" : w;
    }
    if (words.empty()) words = e.what();
    std::string sub;  // " run": the subcommand the words came after
    for (const CLI::App* c : app.get_subcommands()) sub = " " + c->get_name();
    fmt::print(stderr, "revsim{}: not an option or argument it takes: {} (see revsim{} --help)\n", sub, words, sub);
    return kExitBadInput;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Every message of revsim starts with "revsim: ", the parser's too.
    fmt::print(stderr, "revsim: {}\nRun with --help for more information.\n", e.what());
    return kExitBadInput;
  } catch (const revsim::RankFailed& e) {
    // Under MPI (ranks.hpp): every rank threw it; rank 0 alone says it (the others' stderr is not shown).
    ranks.failure_agreed();
    if (Interrupts::signal() != 0) {
      fmt::print(stderr, "revsim: interrupted by {}; nothing written\n", Interrupts::signal() == SIGTERM ? "SIGTERM" : "SIGINT");
      return 128 + Interrupts::signal();
    }
    fmt::print(stderr, "revsim: {}\n", e.what());
    return 1;
  } catch (const revsim::RunCancelled& e) {
    const int sig = Interrupts::signal() != 0 ? Interrupts::signal() : SIGINT;
    fmt::print(stderr, "revsim: interrupted by {} after {} of {} trials; nothing written\n",
               sig == SIGTERM ? "SIGTERM" : "SIGINT", e.trials_done(), e.trials_total());
    return 128 + sig;
  } catch (const revsim::ScenarioError& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  } catch (const StdoutError& e) {
    if (e.error == EPIPE) return kExitBrokenPipe;
    fmt::print(stderr, "revsim: cannot write standard output: {}\n", std::strerror(e.error));
    return kExitCannotWrite;
  } catch (const std::exception& e) {
    fmt::print(stderr, "revsim: error: {}\n", e.what());
    return 1;
  }
}

/// As GNU tools do: what is still buffered for standard output (--help, --version) is flushed
/// and the descriptor closed, and a failure of either is an error; a closed pipe is quiet.
int close_stdout(int status) {
  std::cout.flush();
  int error = std::cout.fail() || std::ferror(stdout) != 0 ? (errno != 0 ? errno : EIO) : 0;
  errno = 0;
  if (std::fflush(stdout) != 0 && error == 0) error = errno != 0 ? errno : EIO;
  if (::close(STDOUT_FILENO) != 0 && errno != EBADF && error == 0) error = errno;
  if (error == 0 || status == kExitBrokenPipe) return status;
  if (error == EPIPE) return kExitBrokenPipe;
  if (status != kExitCannotWrite)  // not said already
    fmt::print(stderr, "revsim: cannot write standard output: {}\n", std::strerror(error));
  return status == 0 ? kExitCannotWrite : status;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe is an error write(2) returns (EPIPE), answered by a quiet exit, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  // MPI when launched by mpirun/srun (issue 16): rank 0 alone writes and speaks.
  // (MPI_Init failing, or the MPI module missing, is said here and ends the process: exit 2.)
  std::unique_ptr<Ranks> started;
  try {
    started = std::make_unique<Ranks>(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  Ranks& ranks = *started;
  CliContext ctx;
  ProgressLine progress(ctx);  // every run's monitor: the progress line, and Ctrl-C
  ctx.progress = &progress;
  ctx.ranks = &ranks;
  for (int i = 0; i < argc; ++i) ctx.command += (i > 0 ? " " : "") + std::string(argv[i]);
  CLI::App app{"revsim — Monte Carlo simulator of an AI-accelerator start-up's revenue.\n"
               "Yearly revenue distributions by channel against the 200 M RMB STAR Market bar."};
  int status = 0;
  try {
    status = run_cli(app, ctx, argc, argv);
  } catch (...) {
    status = exit_status(app, ranks);
  }
  return close_stdout(ranks.finish(status, ctx.quiet));
}
