// --precision: batches of trials until the standard error meets the target, deterministically.
#include "revsim/precision.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace revsim {
namespace {

const char* kGovernment =
    "company: {cash: 1000000, burn_per_month: 0}\n"
    "channels:\n  government: {projects_per_year: 1.5, value: 100, sales_cycle_months: 0, p_slip: 0, p_win: 1,\n"
    "                turnkey_p: 1, delivery_months: 0, sales_patience_months: 1000000}\n";

TEST(Precision, StopsAtTheTargetAndIsDeterministic) {
  // P(R >= 200) = 0.442: SE 0.005 needs N >= 0.442 x 0.558 / 0.005^2 = 9 866 trials.
  const Scenario s = test::scenario(kGovernment);
  PrecisionTarget t;
  t.se = 0.005;
  t.first_trials = 1000;
  const Results a = run_to_precision(s, RunOptions{0, 4, true, 2}, t);
  EXPECT_LE(worst_standard_error(a, t), 0.005);
  EXPECT_GE(a.trials, 9866U);
  EXPECT_EQ(a.trials % 1000, 0U);
  const Results b = run_to_precision(s, RunOptions{0, 4, true, 1}, t);
  EXPECT_EQ(a.trials, b.trials);
  EXPECT_EQ(a.years[2].p_threshold, b.years[2].p_threshold);
  // The first batch alone does not meet it, so the rule really added trials.
  const Results first = run_simulation(s, RunOptions{1000, 4, true, 2});
  EXPECT_GT(worst_standard_error(first, t), 0.005);
}

TEST(Precision, RespectsMaxTrialsAndYear) {
  const Scenario s = test::scenario(kGovernment);
  PrecisionTarget t;
  t.se = 0.0001;  // would need ~25 million trials
  t.first_trials = 1000;
  t.max_trials = 5000;
  EXPECT_EQ(run_to_precision(s, RunOptions{0, 4, true, 2}, t).trials, 5000U);
  t.year = 2040;
  EXPECT_THROW(run_to_precision(s, RunOptions{0, 4, true, 2}, t), std::invalid_argument);
  t.year = 2024;
  t.stat = "median";
  EXPECT_THROW(run_to_precision(s, RunOptions{0, 4, true, 2}, t), std::invalid_argument);
}

}  // namespace
}  // namespace revsim
