// The Study API (issue 15, part 1): run_study of each analysis equals the analysis called
// directly, the trial-count rules, the memory policy, the precision target reached with the one
// message, and the progress sink's phases and counts.
#include "revsim/study.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace revsim {
namespace {

const std::string kDir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

/// Records what run_study tells its sink.
class RecordingSink : public ProgressSink {
 public:
  void begin(std::uint64_t total) override {
    ++begun;
    totals.push_back(total);
    trials.store(0);
  }
  void end() override {
    ++ended;
    counted.push_back(trials.load());
  }
  void add_trials(std::uint64_t n) override { trials.fetch_add(n); }
  void note(const std::string& text) override { notes.push_back(text); }

  int begun = 0, ended = 0;
  std::vector<std::uint64_t> totals, counted;
  std::vector<std::string> notes;
  std::atomic<std::uint64_t> trials{0};
};

Study run_study_of(const std::string& file, std::uint64_t trials) {
  Study s;
  s.kind = AnalysisKind::run;
  s.scenarios.push_back(load_scenario(kDir + file));
  s.options.trials = trials;
  return s;
}

void expect_same_years(const Results& a, const Results& b) {
  ASSERT_EQ(a.years.size(), b.years.size());
  EXPECT_EQ(a.trials, b.trials);
  EXPECT_EQ(a.seed, b.seed);
  for (std::size_t i = 0; i < a.years.size(); ++i) {
    EXPECT_EQ(a.years[i].year, b.years[i].year);
    EXPECT_EQ(a.years[i].mean, b.years[i].mean);  // bit for bit: the same trials, the same order
    EXPECT_EQ(a.years[i].p50, b.years[i].p50);
    EXPECT_EQ(a.years[i].p_threshold, b.years[i].p_threshold);
    EXPECT_EQ(a.years[i].p_listing, b.years[i].p_listing);
  }
}

TEST(Study, RunEqualsRunSimulation) {
  const Study s = run_study_of("example.yaml", 3000);
  RecordingSink sink;
  const auto out = std::get<RunStudy>(run_study(s, &sink));
  expect_same_years(out.results, run_simulation(s.scenarios.front(), s.options));
  EXPECT_FALSE(out.samples);
  // One phase of the planned 3000 trials, every one of them counted, no note.
  EXPECT_EQ(sink.begun, 1);
  EXPECT_EQ(sink.ended, 1);
  EXPECT_EQ(sink.totals, std::vector<std::uint64_t>{3000});
  EXPECT_EQ(sink.counted, std::vector<std::uint64_t>{3000});
  EXPECT_TRUE(sink.notes.empty());
}

TEST(Study, KeepSamplesKeepsEveryTrialOfTheSameRun) {
  Study s = run_study_of("isv-first.yaml", 500);
  s.keep_samples = true;
  const auto out = std::get<RunStudy>(run_study(s));
  ASSERT_TRUE(out.samples);
  const auto years = static_cast<std::size_t>(s.scenarios.front().years);
  EXPECT_EQ(out.samples->totals.size(), 500 * years);
  EXPECT_EQ(out.samples->listing.size(), 500U);
  expect_same_years(out.results, run_simulation(s.scenarios.front(), s.options));
}

TEST(Study, PrecisionTargetReachedWithOneNote) {
  Study s = run_study_of("turnkey-builder.yaml", 0);
  PrecisionTarget t;
  t.stat = "p_threshold";
  t.se = 0.01;
  t.first_trials = 500;  // every year: the worst one must meet it
  t.max_trials = 200000;
  s.precision = t;
  RecordingSink sink;
  const auto out = std::get<RunStudy>(run_study(s, &sink));
  const double se = worst_standard_error(out.results, t);
  EXPECT_LE(se, 0.01);  // met, not capped
  EXPECT_LT(out.results.trials, t.max_trials);
  EXPECT_GT(out.results.trials, t.first_trials);  // 500 trials were not enough: the run grew
  // The same trials as run_to_precision, and the message said once.
  expect_same_years(out.results, run_to_precision(s.scenarios.front(), s.options, t));
  ASSERT_EQ(sink.notes.size(), 1U);
  EXPECT_EQ(sink.notes.front(), precision_note(AnalysisKind::run, out.results.trials, t, se));
  EXPECT_EQ(sink.totals, std::vector<std::uint64_t>{0});  // not known in advance
  EXPECT_EQ(sink.counted.front(), out.results.trials);    // Simulation extends: each trial run once
}

TEST(Study, PrecisionNoteWording) {
  PrecisionTarget t;
  t.stat = "mean";
  t.se = 0.5;
  EXPECT_EQ(precision_note(AnalysisKind::run, 4000, t, 0.25),
            "4000 trials: standard error of mean 0.25 (meets the target 0.5)");
  EXPECT_EQ(precision_note(AnalysisKind::run, 4000, t, 0.75),
            "4000 trials: standard error of mean 0.75 (misses, --max-trials reached: the target 0.5)");
  EXPECT_EQ(precision_note(AnalysisKind::compare, 8000, t, 0.123456),
            "8000 trials: paired standard error of the mean difference 0.123 (meets the target 0.5)");
  EXPECT_EQ(precision_note(AnalysisKind::sensitivity, 2000, t, 0.5),
            "2000 trials per level: standard error of mean 0.5 as given (meets the target 0.5)");
}

TEST(Study, TrialCountRules) {
  Study s = run_study_of("example.yaml", 0);
  const std::uint64_t own = s.scenarios.front().trials;
  ASSERT_GT(own, 0U);
  EXPECT_EQ(budget_trials(s), own);  // nothing given: the scenario's
  EXPECT_EQ(planned_trials(s), own);
  s.options.trials = 1234;
  EXPECT_EQ(budget_trials(s), 1234U);  // --trials wins
  EXPECT_EQ(planned_trials(s), 1234U);
  PrecisionTarget t;
  t.max_trials = 50000;
  s.precision = t;
  EXPECT_EQ(budget_trials(s), 50000U);  // the most a precision run may reach
  EXPECT_EQ(planned_trials(s), 0U);     // not known in advance
  s.options.trials = 90000;
  EXPECT_EQ(budget_trials(s), 90000U);  // a first batch above the cap
  // compare: every scenario runs the same count; backtest: each its own unless --trials.
  Study c;
  c.kind = AnalysisKind::compare;
  c.scenarios = {load_scenario(kDir + "example.yaml"), load_scenario(kDir + "isv-first.yaml"),
                 load_scenario(kDir + "balanced.yaml")};
  c.options.trials = 700;
  EXPECT_EQ(planned_trials(c), 2100U);
  Study b = c;
  b.kind = AnalysisKind::backtest;
  b.options.trials = 0;
  EXPECT_EQ(planned_trials(b), c.scenarios[0].trials + c.scenarios[1].trials + c.scenarios[2].trials);
  // sensitivity: the scenario as given, then two levels (five with spider) per parameter.
  Study t2 = c;
  t2.kind = AnalysisKind::sensitivity;
  t2.scenarios.resize(1);
  t2.options.trials = 100;
  const std::size_t k = list_parameters(t2.scenarios.front()).size();
  EXPECT_EQ(planned_trials(t2), (1 + 2 * k) * 100);
  t2.spider = true;
  EXPECT_EQ(planned_trials(t2), (1 + 5 * k) * 100);
}

TEST(Study, MemoryPolicyRefusesKeepingTooManySamples) {
  Study s = run_study_of("example.yaml", 1000000000);
  EXPECT_NO_THROW(check_memory(s));  // streaming: bounded whatever the trials
  s.keep_samples = true;
  const std::uint64_t bytes = run_memory_bytes(s.scenarios.front(), 1000000000);
  ASSERT_GT(bytes, kMaxRunBytes);
  try {
    check_memory(s);
    ADD_FAILURE() << "no StudyError";
  } catch (const StudyError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1000000000 trials of"), std::string::npos) << what;
    EXPECT_NE(what.find("GiB to keep every sample (--samples writes them); the limit is 8 GiB"), std::string::npos)
        << what;
  }
  EXPECT_THROW((void)run_study(s), StudyError);  // refused before anything runs
  // With a precision target the budget is --max-trials, not the first batch.
  s.options.trials = 1000;
  EXPECT_NO_THROW(check_memory(s));
  PrecisionTarget t;
  t.max_trials = 1000000000;
  s.precision = t;
  EXPECT_THROW(check_memory(s), StudyError);
}

TEST(Study, CompareEqualsCompareScenarios) {
  Study c;
  c.kind = AnalysisKind::compare;
  c.scenarios = {load_scenario(kDir + "example.yaml"), load_scenario(kDir + "isv-first.yaml")};
  c.options.trials = 1000;
  RecordingSink sink;
  const auto got = std::get<Comparison>(run_study(c, &sink));
  const Comparison want = compare_scenarios(c.scenarios, c.options);
  EXPECT_EQ(to_json(got, false), to_json(want, false));
  EXPECT_EQ(sink.totals, std::vector<std::uint64_t>{2000});
  EXPECT_EQ(sink.counted, std::vector<std::uint64_t>{2000});
}

TEST(Study, CompareKeepingSamplesEqualsCompareWithSamples) {
  Study c;
  c.kind = AnalysisKind::compare;
  c.scenarios = {load_scenario(kDir + "example.yaml"), load_scenario(kDir + "isv-first.yaml")};
  c.options.trials = 600;
  c.keep_samples = true;
  RecordingSink sink;
  const auto got = std::get<ComparisonSamples>(run_study(c, &sink));
  const ComparisonSamples want = compare_with_samples(c.scenarios, c.options);
  EXPECT_EQ(to_json(got.comparison, false), to_json(want.comparison, false));
  ASSERT_EQ(got.runs.size(), 2U);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(got.runs[k].totals, want.runs[k].totals);  // every trial, bit for bit
    EXPECT_EQ(got.runs[k].inputs.size(), want.runs[k].inputs.size());
  }
  // The same trials as the plain comparison (keeping them changes nothing).
  c.keep_samples = false;
  EXPECT_EQ(to_json(std::get<Comparison>(run_study(c)), false), to_json(got.comparison, false));
  EXPECT_EQ(sink.counted, std::vector<std::uint64_t>{1200});
}

TEST(Study, SobolRefusesSpiderAndPrecision) {
  Study s = run_study_of("example.yaml", 64);
  s.kind = AnalysisKind::sobol;
  s.file = kDir + "example.yaml";
  s.spider = true;
  EXPECT_THROW((void)run_study(s), StudyError);
  s.spider = false;
  s.precision = PrecisionTarget{};
  EXPECT_THROW((void)run_study(s), StudyError);
}

TEST(Study, SensitivityEqualsSensitivity) {
  Study s = run_study_of("turnkey-builder.yaml", 100);  // 66 parameters: quick
  s.kind = AnalysisKind::sensitivity;
  s.file = kDir + "turnkey-builder.yaml";
  s.stat = "mean";
  RecordingSink sink;
  const auto got = std::get<Sensitivity>(run_study(s, &sink));
  const Sensitivity want = sensitivity(s.file, {}, s.options, "mean", std::nullopt, false);
  EXPECT_EQ(to_json(got), to_json(want));
  EXPECT_EQ(got.year, s.scenarios.front().start_year + s.scenarios.front().years - 1);  // none: the last
  EXPECT_EQ(sink.counted.front(), planned_trials(s));  // the planned total is what runs
}

/// Asks the run to stop once `after` trials are done (as Ctrl-C would, from a block's report).
class StoppingSink : public RecordingSink {
 public:
  explicit StoppingSink(std::uint64_t after) : after_(after) {}
  void add_trials(std::uint64_t n) override {
    if (trials.fetch_add(n) + n >= after_) request_stop();
  }

 private:
  std::uint64_t after_;
};

TEST(Study, StopAskedOfTheSinkCancelsTheRunWithItsCounts) {
  Study s = run_study_of("example.yaml", 20000);  // exact quantiles: blocks of 256 trials
  s.options.threads = 1;  // one block at a time: the stop lands right after the block that asked
  StoppingSink sink(1000);
  try {
    (void)run_study(s, &sink);
    FAIL() << "the run was not cancelled";
  } catch (const RunCancelled& e) {
    EXPECT_EQ(e.trials_total(), 20000U);
    EXPECT_EQ(e.trials_done(), 1024U);  // 4 whole blocks; none begun after the stop
  }
  EXPECT_TRUE(sink.stop_requested());
  EXPECT_EQ(sink.begun, 1);
  EXPECT_EQ(sink.ended, 1);  // the phase is closed on the way out
  EXPECT_EQ(sink.counted, std::vector<std::uint64_t>{1024});
}

TEST(Study, MonitorWithoutSinkStopsAndTwoMonitorsAreRefused) {
  Study s = run_study_of("example.yaml", 2000);
  RunMonitor stopped;
  stopped.request_stop();  // asked before the run: not one trial runs
  s.options.monitor = &stopped;
  try {
    (void)run_study(s);
    FAIL() << "the run was not cancelled";
  } catch (const RunCancelled& e) {
    EXPECT_EQ(e.trials_done(), 0U);
    EXPECT_EQ(e.trials_total(), 2000U);
  }
  RecordingSink sink;
  EXPECT_THROW((void)run_study(s, &sink), StudyError);  // which one would stop it?
  s.options.monitor = &sink;                            // the same one twice is fine
  EXPECT_NO_THROW((void)run_study(s, &sink));
  EXPECT_EQ(sink.counted, std::vector<std::uint64_t>{2000});
}

}  // namespace
}  // namespace revsim
