// revsim: a thin main that parses the command line and calls the library (one entry point per
// subcommand). Exit codes: 0 success, 1 cannot write output / internal error, 2 bad input.
#include "revsim/backtest.hpp"
#include "revsim/calibrate.hpp"
#include "revsim/compare.hpp"
#include "revsim/engine.hpp"
#include "revsim/output_file.hpp"
#include "revsim/precision.hpp"
#include "revsim/html_report.hpp"
#include "revsim/samples.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sobol.hpp"
#include "revsim/sweep.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/tidy_csv.hpp"
#include "revsim/xlsx_report.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <cmath>
#include <csignal>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

namespace {

constexpr int kExitBadInput = 2;
constexpr const char* kScenarioHelp = "Scenario YAML file ('-': read it from standard input)";
constexpr int kExitCannotWrite = 1;
constexpr int kExitBrokenPipe = 128 + SIGPIPE;  ///< the reader went away (`| head -1`): quiet

/// Standard output failed: EPIPE ends quietly, any other error is reported (exit 1).
struct StdoutError {
  int error;
};

/// Every byte of `text` to standard output, checked (write(2) loops; EINTR retried).
void write_stdout(std::string_view text) {
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

// SIGINT / SIGTERM: ask the engine to stop; main reports how far it got and writes nothing.
std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free, "the stop flag is set from a signal handler");

extern "C" void on_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

/// Integers only: "1e3" or "2.5" is said to be not an integer rather than out of range.
const CLI::Validator kInteger(
    [](std::string& v) {
      std::size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
      const bool ok = i < v.size() && v.find_first_not_of("0123456789", i) == std::string::npos;
      return ok ? std::string() : fmt::format("{} is not an integer", v);
    },
    "", "INTEGER");

/// --year must be a fiscal year of the scenario (0: not given).
bool year_in_horizon(int year, const revsim::Scenario& s) {
  const int y0 = s.start_year, y1 = s.start_year + s.years - 1;
  if (year == 0 || (year >= y0 && year <= y1)) return true;
  fmt::print(stderr, "revsim: --year {}: not a fiscal year of the scenario ({}..{})\n", year, y0, y1);
  return false;
}

enum class Mode { run, audit, report };

struct RunArgs {
  std::string scenario;
  std::uint64_t trials = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string format = "table";
  std::string output;
  bool tidy = false;  ///< --tidy: the long CSV (one row per year x statistic x channel)
  CLI::Option* seed_option = nullptr;  ///< to tell whether --seed was given
  std::vector<std::string> sets;       ///< --set KEY=VALUE overrides
  double precision = 0;                ///< --precision: target standard error (0: off)
  std::string stat = "p_threshold";
  int year = 0;                        ///< --year (0: every year)
  std::uint64_t max_trials = 10000000;
  std::string html;     ///< --html FILE (report: -o)
  std::string samples;  ///< --samples FILE.csv|.jsonl
  int histogram_year = 0;
  bool tornado = false;  ///< report --tornado
  std::uint64_t tornado_trials = 2000;
};

// Global display flags (--no-color, --quiet; NO_COLOR honoured) and the command line for manifests.
bool g_no_color = false;
bool g_quiet = false;
std::string g_command;

bool stdout_colour() {
  const char* no = std::getenv("NO_COLOR");
  return !g_no_color && (no == nullptr || *no == '\0') && ::isatty(STDOUT_FILENO) == 1;
}

/// A progress line on stderr (trials done, trials/s, ETA) for runs longer than about a second,
/// only when stderr is a terminal and not --quiet. A thread wakes every 200 ms and reads the
/// engine's counter; the engine only adds to it once per block of trials.
class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total) {
    if (g_quiet || ::isatty(STDERR_FILENO) != 1) return;
    thread_ = std::thread([this] { loop(); });
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (shown_) fmt::print(stderr, "\r\033[K");
  }
  std::atomic<std::uint64_t>* counter() { return &trials_; }

 private:
  void loop() {
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
  std::uint64_t total_;
  std::atomic<std::uint64_t> trials_{0};
  std::thread thread_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  bool shown_ = false;
};

revsim::Manifest manifest(const std::vector<std::string>& files, const std::vector<std::string>& sets,
                          std::uint64_t seed, std::uint64_t trials, int threads) {
  revsim::Manifest m;
  m.version = revsim::version();
  for (const std::string& f : files)  // "-": the bytes read from standard input
    m.scenarios.emplace_back(f == "-" ? std::string(revsim::kStdinName) : f, revsim::sha256_file(f));
  m.sets = sets;
  m.seed = seed;
  m.trials = trials;
  m.threads = threads;
  m.date = revsim::utc_now();
  m.command = g_command;
  return m;
}

/// "revsim: wrote FILE" on stderr, unless --quiet.
void say_wrote(const std::string& what) {
  if (!g_quiet) fmt::print(stderr, "revsim: wrote {}\n", what);
}

/// Write the HTML report to `path` atomically.
void emit_html(const revsim::HtmlReport& rep, const std::string& path) {
  std::ostringstream html;
  revsim::write_html(html, rep);
  revsim::write_file_atomically(path, html.str());
  say_wrote(path);
}


/// The directory of -o must exist and be writable: checked before spending the run.
bool output_writable(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return ::access(dir.c_str(), W_OK) == 0;
}

/// Write a report to stdout, or atomically to -o FILE.
int emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    write_stdout(text);
  } else {
    revsim::write_file_atomically(output, text);
    say_wrote(output);
  }
  return 0;
}

/// --format xlsx: the manifest sheet, then `sheets`, to -o (atomically).
int emit_xlsx(const std::string& output, const revsim::Manifest& m, std::vector<revsim::Table> sheets,
              const std::vector<std::pair<std::string, revsim::Cell>>& extra = {}) {
  std::vector<revsim::Table> book;
  book.reserve(sheets.size() + 1);
  book.push_back(revsim::manifest_sheet(m, extra));
  for (revsim::Table& t : sheets) book.push_back(std::move(t));
  revsim::write_xlsx(output, book);
  say_wrote(output);
  return 0;
}

/// The end of an analysis subcommand: the HTML report (--html, `rep` pointing at the result),
/// then the result as a workbook (`sheets`, with rep.manifest), as JSON, or as `table` writes
/// it (table or CSV), to stdout or -o.
template <class Result, class Write>
int emit_result(const RunArgs& a, const Result& result, const revsim::HtmlReport& rep, Write table,
                const std::function<std::vector<revsim::Table>()>& sheets = {},
                const std::vector<std::pair<std::string, revsim::Cell>>& extra = {}) {
  if (!a.html.empty()) emit_html(rep, a.html);
  if (a.format == "xlsx") return emit_xlsx(a.output, rep.manifest, sheets(), extra);
  std::ostringstream text;
  if (a.format == "json") text << revsim::to_json(result).dump(2) << '\n';
  else table(text);
  return emit(text.str(), a.output);
}

/// Checks shared by every simulating subcommand, then the run options; nullopt (after saying
/// why) when the output cannot be written or the run would not fit in memory.
std::optional<revsim::RunOptions> run_options(const RunArgs& a, const std::vector<revsim::Scenario>& scenarios) {
  for (const auto& [flag, path] : {std::pair{"--output", a.output}, {"--html", a.html}, {"--samples", a.samples}}) {
    if (!path.empty() && !output_writable(path)) {
      fmt::print(stderr, "revsim: {} {}: cannot write there ({})\n", flag, path, std::strerror(errno));
      return std::nullopt;
    }
  }
  if (!a.samples.empty() && !revsim::samples_format(a.samples)) {
    fmt::print(stderr, "revsim: --samples {}: expected a file name ending in .csv or .jsonl\n", a.samples);
    return std::nullopt;
  }
  const std::uint64_t trials =
      a.precision > 0 ? std::max(a.trials, a.max_trials) : (a.trials > 0 ? a.trials : scenarios.front().trials);
  // --samples keeps every sample: memory in proportion to the trials. Everything else (compare
  // too) switches to streaming estimators above kMaxExactBytes and stays bounded.
  for (const revsim::Scenario& s : scenarios) {
    const std::uint64_t bytes = revsim::run_memory_bytes(s, trials);
    if (!a.samples.empty() && bytes > revsim::kMaxRunBytes) {
      fmt::print(stderr, "revsim: {} trials of {} need {:.1f} GiB to keep every sample (--samples writes them); the "
                 "limit is {} GiB (use fewer trials)\n", trials, s.source, static_cast<double>(bytes) / (1U << 30U),
                 revsim::kMaxRunBytes >> 30U);
      return std::nullopt;
    }
  }
  revsim::RunOptions opt;
  opt.trials = a.trials;
  opt.seed = a.seed;
  opt.seed_set = a.seed_option != nullptr && a.seed_option->count() > 0;
  opt.threads = a.threads;
  opt.stop = &g_stop;
  return opt;
}

revsim::PrecisionTarget precision_target(const RunArgs& a) {
  revsim::PrecisionTarget target;
  target.stat = a.stat;
  target.se = a.precision;
  if (a.year != 0) target.year = a.year;
  target.max_trials = a.max_trials;
  if (a.trials > 0) target.first_trials = a.trials;
  return target;
}

/// Load a scenario and print its plausibility warnings on stderr (MODEL.md §8: values far
/// outside what their unit can mean are accepted, with a warning naming the place and the unit).
revsim::Scenario load_warned(const std::string& file, const std::vector<std::string>& sets, bool warn = true) {
  revsim::Scenario s = revsim::load_scenario(file, sets);
  if (warn)
    for (const std::string& w : s.warnings) fmt::print(stderr, "revsim: warning: {}\n", w);
  return s;
}

int cmd_run(const RunArgs& a, Mode mode) {
  const std::vector<revsim::Scenario> s{load_warned(a.scenario, a.sets)};
  if (mode == Mode::audit && s.front().forecast.empty()) {
    fmt::print(stderr, "revsim: {}: no 'forecast' to audit (add e.g. forecast: {{2025: 250}})\n", s.front().source);
    return kExitBadInput;
  }
  const int y0 = s.front().start_year, y1 = s.front().start_year + s.front().years - 1;
  if (a.histogram_year != 0 && (a.histogram_year < y0 || a.histogram_year > y1)) {
    fmt::print(stderr, "revsim: --histogram-year {}: not a fiscal year of the scenario ({}..{})\n", a.histogram_year, y0, y1);
    return kExitBadInput;
  }
  if (!year_in_horizon(a.year, s.front())) return kExitBadInput;
  auto opt = run_options(a, s);
  if (!opt) return kExitBadInput;
  revsim::Results r;
  revsim::RunOutput samples;
  const bool keep = !a.samples.empty();
  if (a.precision > 0) {
    const revsim::PrecisionTarget target = precision_target(a);
    Progress progress(0);
    opt->progress = progress.counter();
    try {
      r = revsim::run_to_precision(s.front(), *opt, target);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "revsim: {}\n", e.what());
      return kExitBadInput;
    }
    const double se = revsim::worst_standard_error(r, target);
    fmt::print(stderr, "revsim: {} trials: standard error of {} {:.3g} ({} the target {:g})\n", r.trials, target.stat,
               se, se <= target.se ? "meets" : "misses, --max-trials reached:", target.se);
    if (keep) {  // the same trials again, keeping them: identical results
      revsim::RunOptions o = *opt;
      o.trials = r.trials;
      samples = revsim::run_with_samples(s.front(), o);
    }
  } else {
    Progress progress(opt->trials > 0 ? opt->trials : s.front().trials);
    opt->progress = progress.counter();
    if (keep) {
      samples = revsim::run_with_samples(s.front(), *opt);
      r = samples.results;
    } else {
      r = revsim::run_simulation(s.front(), *opt);
    }
  }
  if (keep) {
    revsim::write_samples(a.samples, samples);
    say_wrote(fmt::format("{} ({} trials)", a.samples, r.trials));
  }
  if (!a.html.empty() || mode == Mode::report) {
    revsim::HtmlReport rep;
    rep.manifest = manifest({a.scenario}, a.sets, r.seed, r.trials, r.runtime.threads);
    rep.results = &r;
    if (a.histogram_year != 0) rep.histogram_year = a.histogram_year;
    revsim::Sensitivity tornado;
    if (a.tornado) {
      revsim::RunOptions o = *opt;
      o.trials = a.tornado_trials;
      const int year = a.year != 0 ? a.year : revsim::default_histogram_year(r);
      const std::size_t levels = 2 * revsim::list_parameters(s.front()).size() + 1;
      Progress progress(levels * o.trials);
      o.progress = progress.counter();
      try {
        tornado = revsim::sensitivity(a.scenario, a.sets, o, a.stat, year, false);
      } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "revsim: {}\n", e.what());
        return kExitBadInput;
      }
      rep.tornado = &tornado;
    }
    if (mode == Mode::report) {
      std::ostringstream html;
      revsim::write_html(html, rep);
      return emit(html.str(), a.output);
    }
    emit_html(rep, a.html);
  }
  if (a.format == "xlsx")
    return emit_xlsx(a.output, manifest({a.scenario}, a.sets, r.seed, r.trials, r.runtime.threads),
                     revsim::results_sheets(r));
  static const std::map<std::string, revsim::Format> formats{
      {"table", revsim::Format::table}, {"json", revsim::Format::json}, {"csv", revsim::Format::csv}};
  std::ostringstream text;
  revsim::TableStyle style;
  style.color = a.output.empty() && stdout_colour();
  if (mode == Mode::audit && a.format == "table") revsim::write_audit(text, r);
  else if (a.tidy) revsim::write_tidy_csv(text, r);
  else revsim::write_report(text, r, formats.at(a.format), style);
  return emit(text.str(), a.output);
}

int cmd_compare(const std::vector<std::string>& files, const RunArgs& a) {
  std::vector<revsim::Scenario> scenarios;
  for (const std::string& f : files) scenarios.push_back(load_warned(f, a.sets));
  if (!year_in_horizon(a.year, scenarios.front())) return kExitBadInput;
  auto opt = run_options(a, scenarios);
  if (!opt) return kExitBadInput;
  revsim::Comparison c;
  Progress progress(a.precision > 0 ? 0 : scenarios.size() * (a.trials > 0 ? a.trials : scenarios.front().trials));
  opt->progress = progress.counter();
  try {
    if (a.precision > 0) {
      const revsim::PrecisionTarget target = precision_target(a);
      c = revsim::compare_to_precision(scenarios, *opt, target);
      const double se = revsim::worst_paired_se(c, target.stat, target.year);
      fmt::print(stderr, "revsim: {} trials: paired standard error of the {} difference {:.3g} ({} the target {:g})\n",
                 c.trials, target.stat, se, se <= target.se ? "meets" : "misses, --max-trials reached:", target.se);
    } else {
      c = revsim::compare_scenarios(scenarios, *opt);
    }
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  revsim::HtmlReport rep;
  if (!a.html.empty() || a.format == "xlsx") rep.manifest = manifest(files, a.sets, c.seed, c.trials, c.runtime.threads);
  rep.comparison = &c;
  return emit_result(
      a, c, rep,
      [&](std::ostream& os) {
        if (a.format == "csv") revsim::write_tidy_csv(os, c);  // compare's only CSV is the tidy one
        else revsim::write_table(os, c);
      },
      [&] { return revsim::comparison_sheets(c); });
}

/// `revsim backtest`: history scenarios against their filed actuals (PIT, bands, CRPS, coverage).
int cmd_backtest(const std::vector<std::string>& files, const RunArgs& a) {
  std::vector<revsim::Scenario> scenarios;
  for (const std::string& f : files) scenarios.push_back(load_warned(f, a.sets));
  for (const revsim::Scenario& s : scenarios)
    if (s.actuals.empty() && s.actuals_top5_share.empty() && s.actuals_channels.empty()) {
      fmt::print(stderr, "revsim: {}: no 'actuals' to test (a history scenario carries e.g. actuals: {{{}: 120}})\n",
                 s.source, s.start_year);
      return kExitBadInput;
    }
  auto opt = run_options(a, scenarios);
  if (!opt) return kExitBadInput;
  std::uint64_t total = 0;
  for (const revsim::Scenario& s : scenarios) total += a.trials > 0 ? a.trials : s.trials;
  revsim::Backtest b;
  {
    Progress progress(total);
    opt->progress = progress.counter();
    b = revsim::backtest(scenarios, *opt);
  }
  revsim::HtmlReport rep;
  if (!a.html.empty()) {
    const revsim::BacktestCompany& first = b.companies.front();
    rep.manifest = manifest(files, a.sets, first.seed, first.trials, b.runtime.threads);
  }
  rep.backtest = &b;
  return emit_result(a, b, rep, [&](std::ostream& os) { revsim::write_table(os, b); });
}

/// --precision and --max-trials; with `stats`, also --stat and --year (a subcommand that has its
/// own --stat passes an empty list).
void add_precision_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& stats,
                           const char* what = "the standard error of --stat") {
  cmd->add_option("--precision", a.precision,
                  fmt::format("Add trials until {} is at most this (--trials is the first batch)", what))
      ->check(CLI::PositiveNumber);
  if (!stats.empty()) {
    cmd->add_option("--stat", a.stat, fmt::format("Statistic for --precision: {}", fmt::join(stats, ", ")))
        ->check(CLI::IsMember(stats));
    cmd->add_option("--year", a.year, "Fiscal year for --precision (default: every year)")->check(kInteger);
  }
  cmd->add_option("--max-trials", a.max_trials, "Most trials --precision may use")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{1}, revsim::kMaxTrials));
}

void add_set_option(CLI::App* cmd, std::vector<std::string>& sets) {
  cmd->add_option("--set", sets,
                  "Override a scenario key, validated like the file: KEY=VALUE, e.g. channels.isv.p_migrate=0.8 or "
                  "'channels.internet.accounts[BigCloud A].npi_months={lognormal: [6, 12]}' (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

/// `revsim sweep`: the cartesian grid of --grid values, every point on common random numbers
/// (same seed and trial count), one CSV row per point (revsim::plan_sweep / run_sweep).
int cmd_sweep(const RunArgs& a, const std::vector<std::string>& grids) {
  // Every point is validated before the first run; the first point's warnings are printed once.
  const revsim::SweepPlan plan = revsim::plan_sweep(a.scenario, a.sets, grids, [](const revsim::Scenario& s) {
    for (const std::string& w : s.warnings) fmt::print(stderr, "revsim: warning: {}\n", w);
  });
  const std::size_t points = plan.points();
  const auto opt = run_options(a, {plan.scenarios.front()});
  if (!opt) return kExitBadInput;
  if (!year_in_horizon(a.year, plan.scenarios.front())) return kExitBadInput;
  const std::vector<std::string> keys = plan.keys();
  const revsim::Scenario& first = plan.scenarios.front();
  if (a.format == "xlsx" && points * static_cast<std::size_t>(first.years) + 1 > revsim::kXlsxMaxRows) {
    fmt::print(stderr, "revsim: --format xlsx: {} points x {} years is more rows than a sheet holds ({}); use "
               "--format csv\n", points, first.years, revsim::kXlsxMaxRows);
    return kExitBadInput;
  }
  const bool precision = a.precision > 0;
  std::ostringstream csv;
  revsim::Table sheet{"sweep", revsim::sweep_sheet_columns(keys), {}};
  if (a.tidy) revsim::write_csv_header(csv, revsim::tidy_sweep_columns(keys));
  else revsim::write_sweep_csv_header(csv, keys, first, precision);
  revsim::RunOptions run_opt = *opt;
  Progress progress(precision ? 0 : points * (a.trials > 0 ? a.trials : first.trials));
  run_opt.progress = progress.counter();
  std::uint64_t seed = 0, trials = 0;
  int threads = 0;
  std::optional<revsim::PrecisionTarget> target;
  if (precision) target = precision_target(a);
  revsim::run_sweep(plan, run_opt, target, [&](const revsim::SweepPoint& p) {
    const revsim::Results& r = p.results;
    seed = r.seed;
    trials = std::max(trials, r.trials);
    threads = r.runtime.threads;
    if (a.format == "xlsx") revsim::add_sweep_rows(sheet, r, *p.values);
    else if (a.tidy) revsim::write_tidy_sweep_rows(csv, r, *p.values);
    else revsim::write_sweep_csv_row(csv, r, *p.values, precision);
  });
  if (a.format == "xlsx") {
    std::vector<std::pair<std::string, revsim::Cell>> extra;
    for (const std::string& g : grids) extra.emplace_back("--grid", g);
    if (precision) extra.emplace_back("trials", "per point (the sweep sheet's trials column)");
    return emit_xlsx(a.output, manifest({a.scenario}, a.sets, seed, trials, threads), {std::move(sheet)}, extra);
  }
  return emit(csv.str(), a.output);
}

struct SobolArgs {
  bool on = false;
  int bootstrap = 1000;
  double level = 0.95;
};

int cmd_sensitivity(const RunArgs& a, bool spider, std::size_t top, const SobolArgs& sob) {
  const std::vector<revsim::Scenario> s{load_warned(a.scenario, a.sets)};
  if (!year_in_horizon(a.year, s.front())) return kExitBadInput;
  const auto opt = run_options(a, s);
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
    revsim::Sobol result;
    try {
      revsim::RunOptions o = *opt;
      Progress progress(0);
      o.progress = progress.counter();
      result = revsim::sobol(a.scenario, a.sets, o, a.stat, a.year, sob.bootstrap, sob.level);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "revsim: {}\n", e.what());
      return kExitBadInput;
    }
    revsim::HtmlReport rep;
    if (!a.html.empty()) rep.manifest = manifest({a.scenario}, a.sets, result.seed, result.base_rows, opt->threads);
    rep.sobol = &result;
    return emit_result(a, result, rep, [&](std::ostream& os) { revsim::write_table(os, result); });
  }
  revsim::Sensitivity result;
  try {
    revsim::RunOptions o = *opt;
    Progress progress(0);
    o.progress = progress.counter();
    if (a.precision > 0) {
      // Every level runs the trial count the scenario as given needs for the target.
      if (a.stat == "p50") throw std::invalid_argument("--precision: p50 has no standard error here; use mean");
      revsim::PrecisionTarget target = precision_target(a);
      if (a.year == 0) target.year = s.front().start_year + s.front().years - 1;
      const revsim::Results base = revsim::run_to_precision(s.front(), o, target);
      const double se = revsim::worst_standard_error(base, target);
      fmt::print(stderr, "revsim: {} trials per level: standard error of {} {:.3g} as given ({} the target {:g})\n",
                 base.trials, target.stat, se, se <= target.se ? "meets" : "misses, --max-trials reached:", target.se);
      o.trials = base.trials;
    }
    result = revsim::sensitivity(a.scenario, a.sets, o, a.stat, a.year, spider);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "revsim: {}\n", e.what());
    return kExitBadInput;
  }
  revsim::HtmlReport rep;
  if (!a.html.empty() || a.format == "xlsx")
    rep.manifest = manifest({a.scenario}, a.sets, result.seed, result.trials, opt->threads);
  rep.tornado = &result;
  return emit_result(
      a, result, rep,
      [&](std::ostream& os) {
        if (a.format == "csv") revsim::write_tidy_csv(os, result);  // sensitivity's only CSV is the tidy one
        else revsim::write_table(os, result, top);
      },
      [&] { return std::vector<revsim::Table>{revsim::sensitivity_sheet(result)}; },
      {{"statistic", result.stat}, {"year", std::int64_t{result.year}}, {"base", result.base}});
}

/// --html (run), --samples, --histogram-year.
void add_report_options(CLI::App* cmd, RunArgs& a, bool html) {
  if (html) cmd->add_option("--html", a.html, "Also write an HTML report with charts to FILE (atomically)");
  cmd->add_option("--samples", a.samples,
                  "Also write every trial (yearly total and channel revenue, alive, first crossing) to FILE.csv "
                  "or FILE.jsonl (atomically; columns in docs/model.md)");
  cmd->add_option("--histogram-year", a.histogram_year,
                  "Year of the HTML report's histogram (default: the first whose P50 is nearest the threshold)")
      ->check(kInteger);
}

/// --trials, --seed, --threads, --format, --output, --set of a simulating subcommand.
void add_run_options(CLI::App* cmd, RunArgs& a, const std::vector<std::string>& formats) {
  cmd->add_option("--trials,-n", a.trials, "Number of trials (default: the scenario's 'trials')")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{1}, revsim::kMaxTrials));
  a.seed_option = cmd->add_option("--seed,-s", a.seed, "Random seed (default: the scenario's 'seed')")
                      ->check(kInteger)
                      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 53U));
  cmd->add_option("--threads,-j", a.threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(kInteger)
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--format,-f", a.format, fmt::format("Output format: {}", fmt::join(formats, ", ")))
      ->check(CLI::IsMember(formats));
  cmd->add_option("--output,-o", a.output, "Write to FILE (atomically) instead of standard output");
  add_set_option(cmd, a.sets);
}

/// --tidy, with what its rows are on this subcommand.
void add_tidy_option(CLI::App* cmd, RunArgs& a, const std::string& columns) {
  cmd->add_flag("--tidy", a.tidy,
                "With --format csv: the long CSV, one row per fiscal year x statistic x channel (channel "
                "'total' for totals, year empty for whole-run statistics), columns " + columns +
                    " (README: Outputs for notebooks and spreadsheets)");
}

/// --tidy only with --format csv; --format xlsx only with -o and a build that has it.
bool format_flags_ok(const RunArgs& a) {
  if (a.tidy && a.format != "csv") {
    fmt::print(stderr, "revsim: --tidy has no effect without --format csv: it makes the CSV long (one row per year, "
                       "statistic and channel)\n");
    return false;
  }
  if (a.format == "xlsx" && !revsim::xlsx_supported()) {
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

/// Standard input holds one scenario: "-" at most once.
bool one_stdin(const std::vector<std::string>& files) {
  if (std::count(files.begin(), files.end(), "-") <= 1) return true;
  fmt::print(stderr, "revsim: '-' (the scenario on standard input) may be given once\n");
  return false;
}

int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  // Check every file, report each problem, fail if any file failed.
  int status = 0;
  for (const std::string& f : files) {
    try {
      const revsim::Scenario s = load_warned(f, sets);
      const auto& ch = s.channels;
      auto count = [](std::size_t n, const char* one, const char* many) {
        return fmt::format("{} {}", n, n == 1 ? one : many);
      };
      write_stdout(fmt::format("{}: ok — '{}', {} from {}, {}, {}, government {}, {}\n", s.source, s.name,
                               count(static_cast<std::size_t>(s.years), "year", "years"), s.start_year,
                               count(ch.internet.accounts.size(), "internet account", "internet accounts"),
                               count(ch.carriers.operators.size(), "operator", "operators"),
                               ch.government.present ? "on" : "off",
                               count(ch.isv.industries.size(), "ISV industry", "ISV industries")));
    } catch (const revsim::ScenarioError& e) {
      fmt::print(stderr, "revsim: {}\n", e.what());
      status = kExitBadInput;
    }
  }
  return status;
}

struct CalibrateArgs {
  std::string deals;
  std::string output;
  std::string as_of;
  std::string prior = "hierarchical";
  std::string format = "table";
  int years = 5;
  bool fragment = false;
};

/// `revsim calibrate`: the fitted scenario to -o (or standard output), the report to standard
/// output (or, when the scenario takes it, to standard error). The scenario is loaded back
/// before anything is written: calibrate never writes a file `run` would refuse.
int cmd_calibrate(const CalibrateArgs& a) {
  revsim::CalibrateOptions opt;
  if (!a.as_of.empty()) {
    opt.as_of = revsim::parse_date(a.as_of);
    if (!opt.as_of) {
      fmt::print(stderr, "revsim: --as-of: '{}' is not a date (expected YYYY-MM-DD)\n", a.as_of);
      return kExitBadInput;
    }
  }
  opt.prior = a.prior == "eb" ? revsim::Prior::empirical_bayes
              : a.prior == "jeffreys" ? revsim::Prior::jeffreys : revsim::Prior::hierarchical;
  opt.years = a.years;
  opt.fragment = a.fragment;
  const revsim::DealTable deals = revsim::read_deals(a.deals, opt.as_of);
  const revsim::Calibration c = revsim::calibrate(deals, opt);
  try {
    (void)revsim::parse_scenario(c.yaml, a.output.empty() ? "<calibrated>" : a.output);
  } catch (const revsim::ScenarioError& e) {
    fmt::print(stderr, "revsim: error: the calibrated scenario does not load ({}); nothing written\n", e.what());
    return 1;
  }
  std::ostringstream report;
  if (a.format == "json") report << revsim::to_json(c).dump(2) << '\n';
  else revsim::write_table(report, c);
  if (a.output.empty()) {
    write_stdout(c.yaml);
    if (!g_quiet) fmt::print(stderr, "{}", report.str());
    return 0;
  }
  revsim::write_file_atomically(a.output, c.yaml);
  say_wrote(a.output);
  write_stdout(report.str());
  return 0;
}

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

/// Refuse (false, after saying why) an output that is an input or another output: -o, --html,
/// --samples, and standard output when it is a file and the data goes there.
bool outputs_distinct(const std::vector<std::string>& inputs, const std::vector<std::pair<std::string, std::string>>& outputs,
                      bool data_to_stdout) {
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
        fmt::print(stderr, "revsim: {} {} is the scenario {}: refusing to overwrite an input\n", flag, path, f);
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
        fmt::print(stderr, "revsim: standard output is the scenario {}: refusing to overwrite an input\n", f);
        return false;
      }
  return true;
}

/// A flag that does nothing without another one.
struct Inert {
  const char* flag;
  const char* unless;
  const char* why;
};

/// Refuse (false, after saying why) the first flag of `rules` given without the flag it needs.
bool no_inert_flags(const CLI::App* cmd, std::initializer_list<Inert> rules) {
  for (const Inert& r : rules)
    if (cmd->count(r.flag) > 0 && cmd->count(r.unless) == 0) {
      fmt::print(stderr, "revsim: {} has no effect without {}: {}\n", r.flag, r.unless, r.why);
      return false;
    }
  return true;
}

constexpr Inert kYearNeedsPrecision{"--year", "--precision", "it names the year whose standard error --precision targets"};
constexpr Inert kStatNeedsPrecision{"--stat", "--precision", "it names the statistic --precision targets"};
constexpr Inert kMaxNeedsPrecision{"--max-trials", "--precision", "it caps the trials --precision may add"};

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"revsim — Monte Carlo simulator of an AI-accelerator start-up's revenue.\n"
               "Yearly revenue distributions by channel against the 200 M RMB STAR Market bar."};
  app.set_version_flag("--version", std::string("revsim ") + revsim::version());
  app.require_subcommand(1);
  app.fallthrough();  // --no-color and --quiet also after the subcommand
  app.add_flag("--no-color", g_no_color, "No colour in the table (also when NO_COLOR is set or stdout is not a terminal)");
  app.add_flag("--quiet,-q", g_quiet, "No progress line and no 'wrote FILE' on stderr (errors and warnings still)");
  for (int i = 0; i < argc; ++i) g_command += (i > 0 ? " " : "") + std::string(argv[i]);
  app.footer("Exit codes: 0 success, 1 cannot write the output, 2 bad scenario or flags (nothing written),\n"
             "141 the reader of standard output went away (| head).\n"
             "Scenario keys and the model: docs/model.md; every key commented in scenarios/example.yaml.");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand("run", "Simulate a scenario and report yearly revenue distributions");
  run_cmd->add_option("scenario", run.scenario, kScenarioHelp)->required();
  add_run_options(run_cmd, run, {"table", "json", "csv", "xlsx"});
  add_tidy_option(run_cmd, run, "scenario,seed,trials,year,statistic,channel,value");
  add_precision_options(run_cmd, run, {"mean", "p_threshold", "p_listing", "p_alive"});
  add_report_options(run_cmd, run, true);

  RunArgs rep;
  CLI::App* report_cmd = app.add_subcommand(
      "report", "Simulate a scenario and write one self-contained HTML report with charts (-o FILE.html)");
  report_cmd->add_option("scenario", rep.scenario, kScenarioHelp)->required();
  add_run_options(report_cmd, rep, {"html"});
  add_report_options(report_cmd, rep, false);
  report_cmd->add_flag("--tornado", rep.tornado,
                       "Add a tornado chart of --stat in --year (default: the histogram's year)");
  report_cmd->add_option("--tornado-trials", rep.tornado_trials, "Trials per tornado level (default 2000)")
      ->check(kInteger)
      ->check(CLI::Range(std::uint64_t{100}, revsim::kMaxTrials));
  report_cmd->add_option("--stat", rep.stat, "Statistic of the tornado: mean, p50, p_threshold, p_listing or p_alive")
      ->check(CLI::IsMember({"mean", "p50", "p_threshold", "p_listing", "p_alive"}));
  report_cmd->add_option("--year", rep.year, "Fiscal year of the tornado")->check(kInteger);

  RunArgs aud;
  CLI::App* audit_cmd = app.add_subcommand(
      "audit", "Audit the scenario's forecast: its percentile, P(revenue >= forecast), the face-value pipeline");
  audit_cmd->add_option("scenario", aud.scenario, "Scenario YAML file with a 'forecast' ('-': standard input)")->required();
  add_run_options(audit_cmd, aud, {"table", "json", "xlsx"});
  add_precision_options(audit_cmd, aud, {"mean", "p_threshold", "p_listing", "p_alive"});

  RunArgs cmp;
  std::vector<std::string> compare_files;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "Compare scenarios on common random numbers: paired differences against the first");
  compare_cmd->add_option("scenarios", compare_files,
                          "Two or more scenario YAML files; the first is the baseline ('-', once: standard input)")
      ->required()
      ->type_name("FILE")
      ->expected(2, CLI::detail::expected_max_vector_size);
  add_run_options(compare_cmd, cmp, {"table", "json", "csv", "xlsx"});
  add_tidy_option(compare_cmd, cmp,
                  "scenario,baseline,seed,trials,year,statistic,channel,value; a scenario's own statistics have an "
                  "empty baseline, the paired ones (mean_diff, se_paired, p_greater, ...) the baseline's name; "
                  "compare's CSV is always this one");
  add_precision_options(compare_cmd, cmp, {"mean", "p_threshold"},
                        "the paired standard error of the --stat difference from the baseline");
  compare_cmd->add_option("--html", cmp.html, "Also write an HTML report with charts to FILE (atomically)");

  RunArgs sens;
  bool spider = false;
  std::size_t top = 25;
  CLI::App* sens_cmd = app.add_subcommand(
      "sensitivity",
      "Tornado: rank every parameter by how far its P10..P90 (constants +-20 %) moves a statistic; --sobol: "
      "variance-based indices");
  sens_cmd->add_option("scenario", sens.scenario, kScenarioHelp)->required();
  add_run_options(sens_cmd, sens, {"table", "json", "csv", "xlsx"});
  add_tidy_option(sens_cmd, sens,
                  "scenario,seed,trials,year,statistic,channel,parameter,given,level,setting,value; level is base, "
                  "low/high (1..5 with --spider) or swing, setting the parameter's value; sensitivity's CSV is "
                  "always this one");
  sens_cmd->add_option("--stat", sens.stat, "mean, p50, p_threshold, p_listing or p_alive")
      ->check(CLI::IsMember({"mean", "p50", "p_threshold", "p_listing", "p_alive"}));
  sens_cmd->add_option("--year", sens.year, "Fiscal year (default: the last)")->check(kInteger);
  sens_cmd->add_option("--html", sens.html, "Also write an HTML report with the chart to FILE (atomically)");
  add_precision_options(sens_cmd, sens, {},
                        "the standard error of --stat in --year, as given (every level runs that many trials)");
  sens_cmd->add_flag("--spider", spider, "Five levels per parameter (P10, P30, P50, P70, P90) instead of two");
  sens_cmd->add_option("--top", top, "Rows in the table (default 25)")->check(kInteger)->check(CLI::PositiveNumber);
  SobolArgs sobol_args;
  sens_cmd->add_flag("--sobol", sobol_args.on,
                     "Variance-based indices instead: first-order and total Sobol indices of every uncertain "
                     "parameter drawn once per trial, plus (luck); --trials is the base sample N (default "
                     "min(trials, 4096)), N (factors + 2) trials are run");
  sens_cmd->add_option("--bootstrap", sobol_args.bootstrap, "Sobol: bootstrap resamples for the intervals (default 1000)")
      ->check(kInteger)
      ->check(CLI::Range(0, 100000));
  sens_cmd->add_option("--level", sobol_args.level, "Sobol: confidence level of the intervals (default 0.95)")
      ->check(CLI::Range(0.5, 0.999));

  RunArgs swp;
  std::vector<std::string> grids;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Run a grid of parameter values on common random numbers; one CSV row per point (--tidy: per point, "
               "year, statistic and channel)");
  sweep_cmd->add_option("scenario", swp.scenario, kScenarioHelp)->required();
  sweep_cmd->add_option("--grid", grids, "KEY=START:STOP:STEP (inclusive) or KEY=V1,V2,... (repeatable: cartesian)")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  swp.format = "csv";
  add_run_options(sweep_cmd, swp, {"csv", "xlsx"});
  add_tidy_option(sweep_cmd, swp, "scenario,seed,trials,KEY...,year,statistic,channel,value (one KEY column per --grid)");
  add_precision_options(sweep_cmd, swp, {"mean", "p_threshold", "p_listing", "p_alive"},
                        "the standard error of --stat at each point (a 'trials' column follows the parameters)");

  RunArgs bt;
  std::vector<std::string> backtest_files;
  CLI::App* backtest_cmd = app.add_subcommand(
      "backtest", "Test history scenarios against what the companies filed: each actual's percentile (PIT), "
                  "P10-P90 and P5-P95 bands, CRPS, pooled coverage");
  backtest_cmd->add_option("scenarios", backtest_files, "History scenario YAML files, each with 'actuals' ('-', once: standard input)")
      ->required()
      ->type_name("FILE")
      ->expected(1, CLI::detail::expected_max_vector_size);
  add_run_options(backtest_cmd, bt, {"table", "json"});
  backtest_cmd->add_option("--html", bt.html,
                           "Also write an HTML page (PIT histogram, a fan chart per company with its actuals) to FILE "
                           "(atomically)");

  std::vector<std::string> validate_files;
  CLI::App* validate_cmd = app.add_subcommand("validate", "Check scenario files; print what is wrong and where");
  validate_cmd->add_option("scenarios", validate_files, "Scenario YAML files ('-', once: standard input)")->required();
  std::vector<std::string> validate_sets;
  add_set_option(validate_cmd, validate_sets);

  CalibrateArgs cal;
  CLI::App* cal_cmd = app.add_subcommand(
      "calibrate", "Fit a runnable scenario to a CRM export (one CSV row per stage a deal went through; docs/calibrate.md)");
  cal_cmd->add_option("deals", cal.deals,
                      "CSV with columns deal, channel, account, industry, stage, entered, left, outcome, value, cards "
                      "(and optionally reason)")
      ->required();
  cal_cmd->add_option("--output,-o", cal.output,
                      "Write the scenario to FILE (atomically); the report then goes to standard output");
  cal_cmd->add_option("--as-of", cal.as_of,
                      "Date of the export, YYYY-MM-DD: month 0 of the scenario is its month (default: the latest date "
                      "in the file)");
  cal_cmd->add_option("--prior", cal.prior,
                      "Stage probabilities: hierarchical (default: pooled across channels, hyper-parameters integrated "
                      "out), eb (empirical Bayes: the same, plugged in; intervals too narrow) or jeffreys (no pooling)")
      ->check(CLI::IsMember({"hierarchical", "eb", "jeffreys"}));
  cal_cmd->add_option("--format,-f", cal.format, "Report format: table, json (json needs -o)")
      ->check(CLI::IsMember({"table", "json"}));
  cal_cmd->add_option("--years", cal.years, "Horizon of the scenario in fiscal years (default 5)")
      ->check(kInteger)
      ->check(CLI::Range(1, revsim::kMaxYears));
  cal_cmd->add_flag("--fragment", cal.fragment,
                    "Write only the channels (start year and month as a comment), to paste into a scenario");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // Every message of revsim starts with "revsim: ", the parser's too.
    fmt::print(stderr, "revsim: {}\nRun with --help for more information.\n", e.what());
    return kExitBadInput;
  }
  // Flags that would do nothing, and outputs that would destroy an input or each other: refused
  // before anything is loaded, run or written.
  auto outputs = [](const RunArgs& a) {
    return std::vector<std::pair<std::string, std::string>>{{"-o", a.output}, {"--html", a.html}, {"--samples", a.samples}};
  };
  bool ok = true;
  for (const auto& [cmd, a] : {std::pair{run_cmd, &run}, {audit_cmd, &aud}, {compare_cmd, &cmp}, {sens_cmd, &sens},
                               {sweep_cmd, &swp}})
    if (*cmd && !format_flags_ok(*a)) return kExitBadInput;
  if ((*compare_cmd && !one_stdin(compare_files)) || (*validate_cmd && !one_stdin(validate_files)) ||
      (*backtest_cmd && !one_stdin(backtest_files)))
    return kExitBadInput;
  if (*sens_cmd && sobol_args.on && (sens.format == "csv" || sens.format == "xlsx")) {
    fmt::print(stderr, "revsim: --format {} writes the tornado; --sobol writes table or json\n", sens.format);
    return kExitBadInput;
  }
  if (*run_cmd)
    ok = no_inert_flags(run_cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision,
                                  {"--histogram-year", "--html", "the histogram is drawn in the HTML report"}}) &&
         outputs_distinct({run.scenario}, outputs(run), run.output.empty());
  if (*audit_cmd)
    ok = no_inert_flags(audit_cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision}) &&
         outputs_distinct({aud.scenario}, outputs(aud), aud.output.empty());
  if (*report_cmd) {
    ok = no_inert_flags(report_cmd, {{"--stat", "--tornado", "it names the tornado's statistic"},
                                     {"--year", "--tornado", "it names the tornado's year"},
                                     {"--tornado-trials", "--tornado", "it sets the tornado's trials per level"}}) &&
         outputs_distinct({rep.scenario}, outputs(rep), rep.output.empty());
    if (ok && rep.output.empty() && ::isatty(STDOUT_FILENO) == 1) {
      fmt::print(stderr, "revsim: report writes an HTML file: give -o FILE.html (standard output is a terminal)\n");
      ok = false;
    }
  }
  if (*compare_cmd)
    ok = no_inert_flags(compare_cmd, {{"--year", "--precision", "it names the year whose paired standard error --precision targets"},
                                      {"--stat", "--precision", "it names the difference --precision targets"},
                                      kMaxNeedsPrecision}) &&
         outputs_distinct(compare_files, outputs(cmp), cmp.output.empty());
  if (*sens_cmd) {
    ok = no_inert_flags(sens_cmd, {{"--bootstrap", "--sobol", "it sets the resamples of the Sobol intervals"},
                                   {"--level", "--sobol", "it sets the confidence level of the Sobol intervals"},
                                   kMaxNeedsPrecision}) &&
         outputs_distinct({sens.scenario}, outputs(sens), sens.output.empty());
    if (ok && sens_cmd->count("--top") > 0 && (sobol_args.on || sens.format != "table")) {
      const char* what = sens.format == "json" ? "JSON" : sens.format == "csv" ? "CSV" : "workbook";
      fmt::print(stderr, "revsim: --top has no effect {}\n",
                 sobol_args.on ? std::string("with --sobol: the Sobol table lists every factor")
                               : fmt::format("with --format {}: the {} lists every parameter", sens.format, what));
      ok = false;
    }
  }
  if (*sweep_cmd)
    ok = no_inert_flags(sweep_cmd, {kYearNeedsPrecision, kStatNeedsPrecision, kMaxNeedsPrecision}) &&
         outputs_distinct({swp.scenario}, outputs(swp), swp.output.empty());
  if (*backtest_cmd) ok = outputs_distinct(backtest_files, outputs(bt), bt.output.empty());
  if (*validate_cmd) ok = outputs_distinct(validate_files, {}, true);
  if (*cal_cmd) {
    ok = outputs_distinct({cal.deals}, {{"-o", cal.output}}, true);
    if (ok && cal.format == "json" && cal.output.empty()) {
      fmt::print(stderr, "revsim: --format json is the report's format and the report goes to standard output only "
                         "with -o FILE (without it the scenario does): give -o\n");
      ok = false;
    }
    if (ok && cal.fragment && cal_cmd->count("--years") > 0) {
      fmt::print(stderr, "revsim: --years has no effect with --fragment: a fragment has no horizon\n");
      ok = false;
    }
  }
  if (!ok) return kExitBadInput;

  install_signal_handlers();
  try {
    if (*run_cmd) return cmd_run(run, Mode::run);
    if (*validate_cmd) return cmd_validate(validate_files, validate_sets);
    if (*report_cmd) return cmd_run(rep, Mode::report);
    if (*audit_cmd) return cmd_run(aud, Mode::audit);
    if (*sweep_cmd) return cmd_sweep(swp, grids);
    if (*sens_cmd) return cmd_sensitivity(sens, spider, top, sobol_args);
    if (*compare_cmd) return cmd_compare(compare_files, cmp);
    if (*backtest_cmd) return cmd_backtest(backtest_files, bt);
    if (*cal_cmd) return cmd_calibrate(cal);
  } catch (const revsim::RunCancelled& e) {
    const int sig = g_signal != 0 ? static_cast<int>(g_signal) : SIGINT;
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
  return 0;
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

int main(int argc, char** argv) {
  // A closed pipe is an error write(2) returns (EPIPE), answered by a quiet exit, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  int status = 0;
  try {
    status = run_cli(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "revsim: error: {}\n", e.what());
    status = 1;
  }
  return close_stdout(status);
}
