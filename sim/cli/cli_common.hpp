// What the subcommands of the revsim command line share: the context passed to each (display
// flags, the command line, the progress line that is every run's monitor), the run options and
// their flags, the checks made before anything runs, and the output helpers (stdout checked,
// files written atomically).
#pragma once

#include "revsim/engine.hpp"
#include "revsim/html_report.hpp"
#include "revsim/precision.hpp"
#include "revsim/report.hpp"
#include "revsim/scale_out.hpp"
#include "revsim/scenario.hpp"
#include "revsim/study.hpp"
#include "revsim/xlsx_report.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace revsim::cli {

constexpr int kExitCannotWrite = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitBrokenPipe = 128 + SIGPIPE;  ///< the reader went away (`| head -1`): quiet
constexpr const char* kScenarioHelp = "Scenario YAML file ('-': read it from standard input)";

class ProgressLine;
class Ranks;

/// SIGINT / SIGTERM: ask the command line's monitor (CliContext::progress) to stop, and keep
/// the signal that did. The handler can reach no object, so what it needs (the monitor it stops,
/// the signal) is static here and nowhere else.
class Interrupts {
 public:
  static void install(RunMonitor& monitor);  ///< SIGINT and SIGTERM: monitor.request_stop()
  static int signal();                       ///< the signal that arrived (0: none)
};

/// What every subcommand is given instead of globals: the display flags (--no-color, --quiet),
/// the command line (for manifests), the progress line, which is also the monitor every run
/// of the command line reports to and is stopped through (Ctrl-C: Interrupts), and the MPI
/// ranks (ranks.hpp). Made by main; `revsim merge` hands its subcommand a copy with the
/// partials' scenario hashes.
struct CliContext {
  bool no_color = false;
  bool quiet = false;
  std::string command;
  ProgressLine* progress = nullptr;
  Ranks* ranks = nullptr;  ///< null: one process (no MPI)
  /// Under `revsim merge`: the partials' scenario hashes by name, which manifests give
  /// (scenario_sha256) instead of hashing the files.
  std::map<std::string, std::string> merged_hashes;
};

/// A registered subcommand: `check` refuses flags that would do nothing and outputs that would
/// destroy an input (false, after saying why) before anything is loaded; `run` returns the exit code.
struct Command {
  CLI::App* app = nullptr;
  std::function<bool()> check;
  std::function<int()> run;
};

/// Standard output failed: EPIPE ends quietly, any other error is reported (exit 1).
struct StdoutError {
  int error;
};

/// Every byte of `text` to standard output, checked (write(2) loops; EINTR retried); under MPI
/// only rank 0 writes, after the ranks agree that none failed (Ranks::output_allowed).
void write_stdout(const CliContext& ctx, std::string_view text);

/// Integers only: "1e3" or "2.5" is said to be not an integer rather than out of range.
extern const CLI::Validator kInteger;
/// A real number in [lo, hi]; the message names both ends as written (CLI::Range printed
/// "0.500000 to 0.999000").
CLI::Validator real_range(double lo, double hi);
/// -o -: standard output (the value becomes "", as without -o), as '-' is standard input for a scenario.
extern const CLI::Validator kDashIsStdout;
/// A finite number > 0 ("--precision: -1 is not a number > 0").
extern const CLI::Validator kPositive;

/// --year, when given, must be a fiscal year of the scenario.
bool year_in_horizon(std::optional<int> year, const Scenario& s);

/// --shard, --partial, --checkpoint, --checkpoint-every, --resume (scale_cli.hpp), and what
/// `revsim merge` sets instead.
struct ScaleArgs {
  std::string shard, partial, checkpoint, resume;
  double every = 5;                ///< --checkpoint-every SECONDS
  std::vector<std::string> merge;  ///< revsim merge: the partials, checked, in shard order
  std::optional<Job> merged;       ///< revsim merge: the job they hold (scenario texts)
  mutable ScaleOut out;            ///< what the trial loop is handed (attach_scale)
};

struct RunArgs {
  std::string scenario;
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string format = "table";
  std::string output;
  std::string format_warning;  ///< -o's extension and the format disagree (add_run_options): said by run_options
  bool tidy = false;  ///< --tidy: the long CSV (one row per year x statistic x channel)
  CLI::Option* seed_option = nullptr;  ///< to tell whether --seed was given
  std::vector<std::string> sets;       ///< --set KEY=VALUE overrides
  double precision = 0;                ///< --precision: target standard error (0: off)
  std::string stat = "p_threshold";
  std::optional<int> year;             ///< --year (none: every year, or the last where one is needed)
  std::uint64_t max_trials = 10000000;
  std::string html;     ///< --html FILE (report: -o)
  std::string samples;  ///< --samples FILE.csv|.jsonl
  std::optional<int> histogram_year;   ///< --histogram-year (none: the report's default)
  bool tornado = false;  ///< report --tornado
  std::uint64_t tornado_trials = 2000;
  ScaleArgs scale;  ///< shards, merge, checkpoints (run, audit, compare)
};

/// Colour in the table: stdout a terminal, no --no-color, NO_COLOR unset or empty.
bool stdout_colour(const CliContext& ctx);

/// A progress line on stderr (trials done, trials/s, ETA) for runs longer than about a second,
/// only when stderr is a terminal and not --quiet. A thread wakes every 200 ms and reads the
/// count of trials done (ProgressLine's, which the engine adds to once per block of trials).
class Progress {
 public:
  Progress(const CliContext& ctx, std::uint64_t total, const std::atomic<std::uint64_t>& trials);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

 private:
  void loop();
  std::uint64_t total_;
  const std::atomic<std::uint64_t>& trials_;
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  bool shown_ = false;
};

/// run_study's sink on the command line, one for the process (main makes it, CliContext::progress
/// points at it): a Progress line per phase, notes on stderr ("revsim: ..."). It is the monitor
/// of every run of the command line (run_options), so SIGINT / SIGTERM stop any of them.
class ProgressLine : public ProgressSink {
 public:
  explicit ProgressLine(const CliContext& ctx) : ctx_(ctx) {}
  void begin(std::uint64_t total) override;
  void end() override { line_.reset(); }
  void add_trials(std::uint64_t n) override { trials_.fetch_add(n, std::memory_order_relaxed); }
  void note(const std::string& text) override;

 private:
  const CliContext& ctx_;
  std::atomic<std::uint64_t> trials_{0};  ///< in the current phase
  std::unique_ptr<Progress> line_;
};

Manifest manifest(const CliContext& ctx, const std::vector<std::string>& files, const std::vector<std::string>& sets,
                  std::uint64_t seed, std::uint64_t trials, int threads);

/// "revsim: wrote FILE" on stderr, unless --quiet.
void say_wrote(const CliContext& ctx, const std::string& what);

/// Write the HTML report to `path` atomically.
void emit_html(const CliContext& ctx, const HtmlReport& rep, const std::string& path);

/// Write a report to stdout, or atomically to -o FILE.
int emit(const CliContext& ctx, const std::string& text, const std::string& output);

/// --format xlsx: the manifest sheet, then `sheets`, to -o (atomically).
int emit_xlsx(const CliContext& ctx, const std::string& output, const Manifest& m, std::vector<Table> sheets,
              const std::vector<std::pair<std::string, Cell>>& extra = {});

/// The JSON text (indented by 2, with a final newline) of an analysis result, as `--format json`
/// writes it (defined in cli_common.cpp, so the command files need not compile nlohmann::json).
std::string json_text(const Backtest& b);
std::string json_text(const Comparison& c);
std::string json_text(const Sensitivity& s);
std::string json_text(const Sobol& s);

/// The end of an analysis subcommand: the HTML report (--html, `rep` pointing at the result),
/// then the result as a workbook (`sheets`, with rep.manifest), as JSON, or as `table` writes
/// it (table or CSV), to stdout or -o.
template <class Result, class Write>
int emit_result(const CliContext& ctx, const RunArgs& a, const Result& result, const HtmlReport& rep, Write table,
                const std::function<std::vector<Table>()>& sheets = {},
                const std::vector<std::pair<std::string, Cell>>& extra = {}) {
  if (!a.html.empty()) emit_html(ctx, rep, a.html);
  if (a.format == "xlsx") return emit_xlsx(ctx, a.output, rep.manifest, sheets(), extra);
  std::ostringstream text;
  if (a.format == "json") text << json_text(result);
  else table(text);
  return emit(ctx, text.str(), a.output);
}

/// Checks shared by every simulating subcommand, then the run options; nullopt (after saying
/// why) when the output cannot be written or the run would not fit in memory.
std::optional<RunOptions> run_options(const CliContext& ctx, const RunArgs& a, const std::vector<Scenario>& scenarios);

PrecisionTarget precision_target(const RunArgs& a);

/// The scenario's warnings (Scenario::warnings: implausible values; no channel present, which is
/// legitimate for a cash or runway study, so not an error; docs/model.md §4) on stderr, one
/// "revsim: warning: ..." line each.
void say_warnings(const Scenario& s);

/// Load a scenario and print its plausibility warnings on stderr (MODEL.md §8: values far
/// outside what their unit can mean are accepted, with a warning naming the place and the unit).
Scenario load_warned(const std::string& file, const std::vector<std::string>& sets, bool warn = true);

/// --precision and --max-trials; with `stats`, also --stat and --year (a subcommand that has its
/// own --stat passes an empty list).
void add_precision_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& stats,
                           const char* what = "the standard error of --stat");

/// A fiscal-year flag (--year by default): `year` is set when it is given, and only then.
CLI::Option* add_year_option(CLI::App* cmd, std::optional<int>& year, const std::string& help,
                             const std::string& flag = "--year");

void add_set_option(CLI::App* cmd, std::vector<std::string>& sets);

/// --html (run), --samples, --histogram-year.
void add_report_options(CLI::App* cmd, RunArgs& a, bool html);

/// --trials, --seed, --threads, --format, --output, --set of a simulating subcommand. Without
/// --format, -o FILE.EXT whose extension is one of `formats` sets the format (output_extension);
/// a --format that contradicts the extension, or an extension of a format the subcommand does not
/// write, is warned about on stderr.
void add_run_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& formats);

/// The extension of an output file when it names a format revsim writes (json, csv, xlsx, html,
/// jsonl; lower-cased), else "".
std::string output_extension(const std::string& path);
/// Any file name's extension, lower-cased ("" when it has none).
std::string file_extension(const std::string& path);

/// -o FILE.EXT and --format: without --format (`format_given` false), an extension that is one
/// of `formats` sets a.format; a --format the extension contradicts, or an extension of a format
/// not in `formats`, sets a.format_warning ("-o FILE: WHO writes ..., not EXT; ...HINT").
void format_from_extension(RunArgs& a, const std::vector<std::string>& formats, bool format_given,
                           const std::string& who, const std::string& hint = "");

/// --tidy, with what its rows are on this subcommand.
void add_tidy_option(CLI::App* cmd, RunArgs& a, const std::string& columns);

/// --tidy only with --format csv; --format xlsx only with -o and a build that has it.
bool format_flags_ok(const RunArgs& a);

/// Standard input holds one scenario: "-" at most once.
bool one_stdin(const std::vector<std::string>& files);

/// The outputs of a simulating subcommand, by flag: -o, --html, --samples.
std::vector<std::pair<std::string, std::string>> outputs(const RunArgs& a);

/// Refuse (false, after saying why) an output that is an input or another output: -o, --html,
/// --samples, and standard output when it is a file and the data goes there. `input_kind` names
/// the inputs in the message ("scenario", "partial", "deals file").
bool outputs_distinct(const std::vector<std::string>& inputs, const std::vector<std::pair<std::string, std::string>>& outputs,
                      bool data_to_stdout, const char* input_kind = "scenario");

/// Refuse (false, after saying "FLAG PATH: cannot write there (why)") an output that cannot be
/// written, before any work: a directory, or a file whose directory is missing or not writable.
/// Under MPI only the rank that writes checks.
bool outputs_writable(const CliContext& ctx, const std::vector<std::pair<std::string, std::string>>& outputs);

/// A flag that does nothing without another one.
struct Inert {
  const char* flag;
  const char* unless;
  const char* why;
};

/// Refuse (false, after saying why) the first flag of `rules` given without the flag it needs.
bool no_inert_flags(const CLI::App* cmd, std::initializer_list<Inert> rules);

constexpr Inert kYearNeedsPrecision{"--year", "--precision", "it names the year whose standard error --precision targets"};
constexpr Inert kStatNeedsPrecision{"--stat", "--precision", "it names the statistic --precision targets"};
constexpr Inert kMaxNeedsPrecision{"--max-trials", "--precision", "it caps the trials --precision may add"};

}  // namespace revsim::cli
