// The shared part of the revsim command line (cli_common.hpp).
#include "cli_common.hpp"
#include "scale_cli.hpp"

#include "ranks.hpp"

#include "revsim/output_file.hpp"
#include "revsim/samples.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/xlsx_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <climits>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace revsim::cli {

namespace {

// The only state a signal handler reaches: set by Interrupts::install before the handler, then
// only read (the monitor) or written by on_signal (the signal).
std::atomic<RunMonitor*> to_stop{nullptr};
volatile std::sig_atomic_t last_signal = 0;
static_assert(std::atomic<RunMonitor*>::is_always_lock_free, "the monitor is read in a signal handler");

extern "C" void on_signal(int sig) {
  last_signal = sig;
  if (RunMonitor* m = to_stop.load(); m != nullptr) m->request_stop();  // a lock-free atomic store
}

}  // namespace

void Interrupts::install(RunMonitor& monitor) {
  to_stop.store(&monitor);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int Interrupts::signal() { return static_cast<int>(last_signal); }

void write_stdout(const CliContext& ctx, std::string_view text) {
  if (ctx.ranks != nullptr && !ctx.ranks->output_allowed()) return;  // MPI: ranks other than 0 write nothing
  std::fflush(stdout);  // nothing buffered there may come after `text`
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw StdoutError{errno};
    }
    done += static_cast<std::size_t>(n);
  }
}

const CLI::Validator kInteger(
    [](std::string& v) {
      std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
      const bool ok = i < v.size() && v.find_first_not_of("0123456789", i) == std::string::npos;
      return ok ? std::string() : fmt::format("{} is not an integer", v);
    },
    "", "INTEGER");

namespace {
/// The whole of `v` as a finite number, or nothing.
std::optional<double> real_of(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(x)) return std::nullopt;
  return x;
}
}  // namespace

CLI::Validator real_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& v) {
        const auto x = real_of(v);
        return x && *x >= lo && *x <= hi ? std::string()
                                         : fmt::format("{} is not a number from {:g} to {:g}", v, lo, hi);
      },
      fmt::format("NUMBER in [{:g}, {:g}]", lo, hi), "");
}

const CLI::Validator kPositive(
    [](std::string& v) {
      const auto x = real_of(v);
      return x && *x > 0 ? std::string() : fmt::format("{} is not a number > 0", v);
    },
    "", "POSITIVE");

const CLI::Validator kDashIsStdout(
    [](std::string& v) {
      if (v == "-") v.clear();  // standard output, as no -o: not a file named '-' in the working directory
      return std::string();
    },
    "", "");

bool year_in_horizon(std::optional<int> year, const Scenario& s) {
  const int y0 = s.start_year, y1 = s.start_year + s.years - 1;
  if (!year || (*year >= y0 && *year <= y1)) return true;
  fmt::print(stderr, "revsim: --year {}: not a fiscal year of the scenario ({}..{})\n", *year, y0, y1);
  return false;
}

bool stdout_colour(const CliContext& ctx) {
  const char* no = std::getenv("NO_COLOR");
  // Under mpirun standard output is the launcher's pseudo-terminal whatever the user's is (a pipe,
  // a file): no colour there.
  return !ctx.no_color && (no == nullptr || *no == '\0') && ::isatty(STDOUT_FILENO) == 1 && !launched_by_mpi();
}

Progress::Progress(const CliContext& ctx, std::uint64_t total, const std::atomic<std::uint64_t>& trials)
    : total_(total), trials_(trials) {
  if (ctx.quiet || ::isatty(STDERR_FILENO) != 1) return;
  thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(m_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (shown_) fmt::print(stderr, "\r\033[K");
}

void Progress::loop() {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(m_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return done_; })) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < 1.0) continue;
    const auto n = trials_.load(std::memory_order_relaxed);
    const double rate = static_cast<double>(n) / s;
    std::string line = fmt::format("revsim: {} trials, {:.0f} trials/s", n, rate);
    if (total_ > 0 && n <= total_) {
      line = fmt::format("revsim: {} of {} trials ({:.0f} %), {:.0f} trials/s", n, total_,
                         100.0 * static_cast<double>(n) / static_cast<double>(total_), rate);
      if (rate > 0) line += fmt::format(", ETA {:.0f} s", static_cast<double>(total_ - n) / rate);
    }
    fmt::print(stderr, "\r{}\033[K", line);
    std::fflush(stderr);
    shown_ = true;
  }
}

void ProgressLine::begin(std::uint64_t total) {
  line_.reset();
  trials_.store(0, std::memory_order_relaxed);
  line_ = std::make_unique<Progress>(ctx_, total, trials_);
}

void ProgressLine::note(const std::string& text) {
  // -q leaves errors and warnings: a precision target met is neither; one missed (--max-trials
  // reached) is said even then.
  if (ctx_.quiet && text.find(kPrecisionMissed) == std::string::npos) return;
  fmt::print(stderr, "revsim: {}\n", text);
}

Manifest manifest(const CliContext& ctx, const std::vector<std::string>& files, const std::vector<std::string>& sets,
                  std::uint64_t seed, std::uint64_t trials, int threads) {
  Manifest m;
  m.version = version();
  for (const std::string& f : files)  // "-": the bytes read from standard input
    m.scenarios.emplace_back(f == "-" ? std::string(kStdinName) : f, scenario_sha256(ctx, f));
  m.sets = sets;
  m.seed = seed;
  m.trials = trials;
  m.threads = threads;
  m.date = utc_now();
  m.command = ctx.command;
  return m;
}

void say_wrote(const CliContext& ctx, const std::string& what) {
  if (!ctx.quiet) fmt::print(stderr, "revsim: wrote {}\n", what);
}

void emit_html(const CliContext& ctx, const HtmlReport& rep, const std::string& path) {
  std::ostringstream html;
  write_html(html, rep);
  write_file_atomically(path, html.str());
  say_wrote(ctx, path);
}

namespace {

/// The directory of -o must exist and take a new file: checked before spending the run by
/// creating (and removing at once) a file there, as the atomic write will (access(2) says yes
/// to root for /proc, where no file can be created). Something that exists and is not a regular
/// file (/dev/null) is written in place: it must be writable. errno says why not.
bool output_writable(const std::string& path) {
  struct stat st {};
  std::string target = path;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return ::access(path.c_str(), W_OK) == 0;
    char resolved[PATH_MAX];  // a link to a file: written beside the file it points to
    if (::realpath(path.c_str(), resolved) != nullptr) target = resolved;
  }
  const auto slash = target.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
  if (::access(dir.c_str(), W_OK) != 0) return false;
  const std::string probe = fmt::format("{}/.revsim-probe.{}", dir, ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno == EEXIST;  // a leftover probe of this pid: the directory takes files
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

}  // namespace

bool outputs_writable(const CliContext& ctx, const std::vector<std::pair<std::string, std::string>>& outputs) {
  if (ctx.ranks != nullptr && !ctx.ranks->writes_output()) return true;
  for (const auto& [flag, path] : outputs) {
    if (path.empty()) continue;
    struct stat st {};
    std::string why;
    if (path.back() == '/' || (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) why = std::strerror(EISDIR);
    else if (!output_writable(path)) why = std::strerror(errno);
    if (!why.empty()) {
      fmt::print(stderr, "revsim: {} {}: cannot write there ({})\n", flag, path, why);
      return false;
    }
  }
  return true;
}

int emit(const CliContext& ctx, const std::string& text, const std::string& output) {
  if (output.empty()) {
    write_stdout(ctx, text);
  } else {
    write_file_atomically(output, text);
    say_wrote(ctx, output);
  }
  return 0;
}

int emit_xlsx(const CliContext& ctx, const std::string& output, const Manifest& m, std::vector<Table> sheets,
              const std::vector<std::pair<std::string, Cell>>& extra) {
  std::vector<Table> book;
  book.reserve(sheets.size() + 1);
  book.push_back(manifest_sheet(m, extra));
  for (Table& t : sheets) book.push_back(std::move(t));
  write_xlsx(output, book);
  say_wrote(ctx, output);
  return 0;
}

std::optional<RunOptions> run_options(const CliContext& ctx, const RunArgs& a, const std::vector<Scenario>& scenarios) {
  // The shard's partial and the checkpoint too (--resume FILE checkpoints to FILE unless
  // --checkpoint names another): a missing directory is said now, not when the run has ended.
  const ScaleArgs& sc = a.scale;
  if (!outputs_writable(ctx, {{"--output", a.output},
                              {"--html", a.html},
                              {"--samples", a.samples},
                              {"--partial", sc.partial},
                              {"--checkpoint", sc.checkpoint},
                              {"--resume", sc.checkpoint.empty() ? sc.resume : std::string()}}))
    return std::nullopt;
  // Said here, once the checks have passed (a refused command says only why it is refused).
  if (!a.format_warning.empty()) fmt::print(stderr, "revsim: warning: {}\n", a.format_warning);
  if (!a.samples.empty() && !samples_format(a.samples)) {
    fmt::print(stderr, "revsim: --samples {}: expected a file name ending in .csv or .jsonl\n", a.samples);
    return std::nullopt;
  }
  // The library's memory policy (revsim::check_memory): --samples keeps every sample, memory
  // in proportion to the trials; everything else stays bounded.
  Study budget;
  budget.scenarios = scenarios;
  budget.options.trials = a.trials;
  if (a.precision > 0) budget.precision = precision_target(a);
  budget.keep_samples = !a.samples.empty();
  try {
    check_memory(budget);
  } catch (const StudyError& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return std::nullopt;
  }
  RunOptions opt;
  opt.trials = a.trials;
  opt.seed = a.seed;
  opt.seed_set = a.seed_option != nullptr && a.seed_option->count() > 0;
  opt.threads = a.threads;
  opt.monitor = ctx.progress;  // counts the trials for the progress line; Ctrl-C stops the run
  opt.comm = ctx.ranks != nullptr ? ctx.ranks->comm() : nullptr;  // several ranks under mpirun: the trials are split over them
  return opt;
}

PrecisionTarget precision_target(const RunArgs& a) {
  PrecisionTarget target;
  target.stat = a.stat;
  target.se = a.precision;
  target.year = a.year;
  target.max_trials = a.max_trials;
  if (a.trials > 0) target.first_trials = a.trials;
  return target;
}

void say_warnings(const Scenario& s) {
  for (const std::string& w : s.warnings) fmt::print(stderr, "revsim: warning: {}\n", w);
}

Scenario load_warned(const std::string& file, const std::vector<std::string>& sets, bool warn) {
  Scenario s = load_scenario(file, sets);
  if (warn) say_warnings(s);
  return s;
}

void add_precision_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& stats, const char* what) {
  cmd->add_option("--precision", a.precision,
                  fmt::format("Add trials until {} is at most this (--trials is the first batch)", what))
      ->check(kPositive);  // CLI::PositiveNumber's message printed DBL_MAX in full (300 digits)
  if (!stats.empty()) {
    cmd->add_option("--stat", a.stat,
                    fmt::format("Statistic for --precision: {} (default p_threshold)", fmt::join(stats, ", ")))
        ->check(CLI::IsMember(stats));
    add_year_option(cmd, a.year, "Fiscal year for --precision (default: every year)");
  }
  cmd->add_option("--max-trials", a.max_trials, "Most trials --precision may use")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{1}, kMaxTrials));
}

CLI::Option* add_year_option(CLI::App* cmd, std::optional<int>& year, const std::string& help, const std::string& flag) {
  return cmd->add_option_function<int>(flag, [&year](const int& y) { year = y; }, help)->check(kInteger);
}

void add_set_option(CLI::App* cmd, std::vector<std::string>& sets) {
  cmd->add_option("--set", sets,
                  "Override a scenario key, validated like the file: KEY=VALUE, e.g. channels.isv.p_migrate=0.8 or "
                  "'channels.internet.accounts[BigCloud A].npi_months={lognormal: [6, 12]}' (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

void add_report_options(CLI::App* cmd, RunArgs& a, bool html) {
  if (html) cmd->add_option("--html", a.html, "Also write an HTML report with charts to FILE (atomically)");
  cmd->add_option("--samples", a.samples,
                  "Also write every trial (yearly total and channel revenue, alive, cash at each year end, first "
                  "crossing, and the value drawn for every uncertain per-trial key as input:<key>) to FILE.csv or "
                  "FILE.jsonl (atomically; columns in docs/model.md)");
  add_year_option(cmd, a.histogram_year,
                  "Year of the HTML report's histogram (default: the first whose P50 is nearest the threshold)",
                  "--histogram-year");
}

void add_run_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& formats) {
  cmd->add_option("--trials,-n", a.trials, "Number of trials (default: the scenario's 'trials')")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{1}, kMaxTrials));
  a.seed_option = cmd->add_option("--seed,-s", a.seed, "Random seed (default: the scenario's 'seed')")
                      ->check(kInteger)
                      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 53U));
  cmd->add_option("--threads,-j", a.threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(kInteger)
      ->check(CLI::Range(1, 1024));
  std::vector<std::string> extensions;
  for (const std::string& f : formats)
    if (f != "table") extensions.push_back(f);
  CLI::Option* format =
      cmd->add_option("--format,-f", a.format,
                      formats.size() == 1
                          ? fmt::format("Output format: {}", formats.front())
                          : fmt::format("Output format: {} (default: {}, or the extension of -o FILE.{})",
                                        fmt::join(formats, ", "), a.format, fmt::join(extensions, "|")))
          ->check(CLI::IsMember(formats));
  cmd->add_option("--output,-o", a.output, "Write to FILE (atomically) instead of standard output ('-': standard output)")
      ->transform(kDashIsStdout);
  add_set_option(cmd, a.sets);
  // -o FILE.json without --format writes JSON: the format follows the extension when it names
  // one of this subcommand's formats; a --format that contradicts the extension is warned about.
  cmd->callback([cmd, format, &a, formats] {
    format_from_extension(a, formats, format->count() > 0, cmd->get_name(),
                          cmd->get_option_no_throw("--html") != nullptr ? "; --html FILE writes the HTML report" : "");
  });
}

void format_from_extension(RunArgs& a, const std::vector<std::string>& formats, bool format_given,
                           const std::string& who, const std::string& hint) {
  const std::string ext = output_extension(a.output);
  if (ext.empty()) return;
  const bool known = std::find(formats.begin(), formats.end(), ext) != formats.end();
  if (!format_given && known) {
    a.format = ext;
  } else if (format_given && a.format != ext) {
    a.format_warning = fmt::format("-o {}: writing {} (--format {}) into a .{} file", a.output, a.format, a.format, ext);
  } else if (!known) {
    a.format_warning = fmt::format("-o {}: {} writes {}, not {}; writing {} (give --format{})", a.output, who,
                                   fmt::join(formats, ", "), ext, a.format, ext == "html" ? hint : "");
  }
}

std::string file_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string output_extension(const std::string& path) {
  const std::string ext = file_extension(path);
  for (const char* f : {"json", "csv", "xlsx", "html", "jsonl"})
    if (ext == f) return ext;
  return "";
}

void add_tidy_option(CLI::App* cmd, RunArgs& a, const std::string& columns) {
  cmd->add_flag("--tidy", a.tidy,
                "With --format csv: the long CSV, one row per fiscal year x statistic x channel (channel "
                "'total' for totals, year empty for whole-run statistics), columns " + columns +
                    " (README: Outputs for notebooks and spreadsheets)");
}

bool format_flags_ok(const RunArgs& a) {
  if (a.tidy && a.format != "csv") {
    fmt::print(stderr, "revsim: --tidy has no effect without --format csv: it makes the CSV long (one row per year, "
                       "statistic and channel)\n");
    return false;
  }
  if (a.format == "xlsx" && !xlsx_supported()) {
    fmt::print(stderr, "revsim: --format xlsx: revsim was built without xlsx support (install libxlsxwriter-dev and "
                       "rebuild)\n");
    return false;
  }
  if (a.format == "xlsx" && a.output.empty()) {
    fmt::print(stderr, "revsim: --format xlsx writes a workbook, never to standard output: give -o FILE.xlsx\n");
    return false;
  }
  return true;
}

bool one_stdin(const std::vector<std::string>& files) {
  if (std::count(files.begin(), files.end(), "-") <= 1) return true;
  fmt::print(stderr, "revsim: '-' (the scenario on standard input) may be given once\n");
  return false;
}

std::vector<std::pair<std::string, std::string>> outputs(const RunArgs& a) {
  return {{"-o", a.output}, {"--html", a.html}, {"--samples", a.samples}};
}

namespace {

/// What "the same file" means for inputs and outputs: the device and inode of what exists
/// (symbolic links followed), else those of its directory and the name to be created there.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;     ///< empty when the file exists
  bool device = false;  ///< a character device (/dev/null, /dev/stdout on a terminal): may be shared
  bool same(const FileId& o) const { return dev == o.dev && ino == o.ino && name == o.name; }
};

std::optional<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return FileId{st.st_dev, st.st_ino, "", S_ISCHR(st.st_mode)};
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (::stat(dir.c_str(), &st) != 0) return std::nullopt;  // run_options says the directory is missing
  return FileId{st.st_dev, st.st_ino, slash == std::string::npos ? path : path.substr(slash + 1), false};
}

}  // namespace

bool outputs_distinct(const std::vector<std::string>& inputs, const std::vector<std::pair<std::string, std::string>>& outputs,
                      bool data_to_stdout, const char* input_kind) {
  std::vector<std::pair<std::string, FileId>> in;
  for (const std::string& f : inputs)
    if (auto id = file_id(f); id && id->name.empty()) in.emplace_back(f, *id);
  std::vector<std::pair<std::string, FileId>> seen;
  for (const auto& [flag, path] : outputs) {
    if (path.empty()) continue;
    const auto id = file_id(path);
    if (!id) continue;
    for (const auto& [f, fid] : in)
      if (id->same(fid)) {
        fmt::print(stderr, "revsim: {} {} is the {} {}: refusing to overwrite an input\n", flag, path, input_kind, f);
        return false;
      }
    for (const auto& [other, oid] : seen)
      if (id->same(oid) && !id->device) {
        fmt::print(stderr, "revsim: {} {} and {} are the same file: give each output its own\n", flag, path, other);
        return false;
      }
    seen.emplace_back(fmt::format("{} {}", flag, path), *id);
  }
  struct stat st {};
  if (data_to_stdout && ::fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))
    for (const auto& [f, fid] : in)
      if (fid.dev == st.st_dev && fid.ino == st.st_ino) {
        fmt::print(stderr, "revsim: standard output is the {} {}: refusing to overwrite an input\n", input_kind, f);
        return false;
      }
  return true;
}

bool no_inert_flags(const CLI::App* cmd, std::initializer_list<Inert> rules) {
  for (const Inert& r : rules)
    if (cmd->count(r.flag) > 0 && cmd->count(r.unless) == 0) {
      fmt::print(stderr, "revsim: {} has no effect without {}: {}\n", r.flag, r.unless, r.why);
      return false;
    }
  return true;
}

std::string json_text(const Backtest& b) { return to_json(b).dump(2) + '\n'; }
std::string json_text(const Comparison& c) { return to_json(c).dump(2) + '\n'; }
std::string json_text(const Sensitivity& s) { return to_json(s).dump(2) + '\n'; }
std::string json_text(const Sobol& s) { return to_json(s).dump(2) + '\n'; }

}  // namespace revsim::cli
