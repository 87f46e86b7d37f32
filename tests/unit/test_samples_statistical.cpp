// --samples inputs against their analytic distribution (statistical: 4 standard errors).
#include "revsim/engine.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace revsim {
namespace {

using test::calm_world;
using test::replace;
using test::scenario;

std::vector<double> input_column(const RunOutput& r, const std::string& name) {
  const auto it = std::find(r.input_names.begin(), r.input_names.end(), name);
  if (it == r.input_names.end()) throw std::logic_error("no input " + name);
  const auto i = static_cast<std::size_t>(it - r.input_names.begin());
  const std::size_t I = r.input_names.size();
  std::vector<double> out;
  for (std::size_t t = 0; t < r.fail_month.size(); ++t) out.push_back(r.inputs[t * I + i]);
  return out;
}

double mean_of(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}
double variance_of(const std::vector<double>& x) {
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

/// One uniform company key and one triangular key of a named account, every other key constant.
Scenario known_inputs() {
  return scenario(replace(calm_world(), "burn_per_month: 0", "burn_per_month: {uniform: [2, 4]}") +
                  test::kInternetAccount + "        start_month: {triangular: [0, 3, 12]}\n");
}

TEST(Samples, AUniformAndATriangularInputHaveTheirAnalyticMeanAndVariance) {
  // N = 20000 trials. uniform [2, 4]: mean 3, variance 4 / 12 = 1/3; triangular (0, 3, 12):
  // mean 5, variance (0 + 9 + 144 - 0 - 0 - 36) / 18 = 6.5. Tolerance 4 standard errors:
  // SE(mean) = sd / sqrt(N); SE(variance) = sqrt((mu4 - sigma^4) / N), mu4 = (b - a)^4 / 80
  // for the uniform, and for the triangle mu4 = 12 sigma^4 / 5 (excess kurtosis -3/5).
  const Scenario s = known_inputs();
  const RunOutput r = run_with_samples(s, RunOptions{20000, 11, true, 2});
  const double n = 20000;
  const std::vector<double> burn = input_column(r, "company.burn_per_month");
  EXPECT_NEAR(mean_of(burn), 3.0, 4 * std::sqrt(1.0 / 3.0 / n));
  EXPECT_NEAR(variance_of(burn), 1.0 / 3.0, 4 * std::sqrt((16.0 / 80.0 - 1.0 / 9.0) / n));
  const std::vector<double> start = input_column(r, "channels.internet.accounts[A].start_month");
  EXPECT_NEAR(mean_of(start), 5.0, 4 * std::sqrt(6.5 / n));
  EXPECT_NEAR(variance_of(start), 6.5, 4 * std::sqrt((12.0 / 5.0 - 1.0) * 6.5 * 6.5 / n));
  for (std::size_t t = 0; t < burn.size(); ++t) {
    ASSERT_TRUE(burn[t] >= 2 && burn[t] <= 4) << t;
    ASSERT_TRUE(start[t] >= 0 && start[t] <= 12) << t;
  }
  // Constants are not inputs (the account's default in-house chip month is uncertain).
  EXPECT_EQ(r.input_names, (std::vector<std::string>{"company.burn_per_month", "channels.internet.accounts[A].start_month",
                                                      "channels.internet.accounts[A].inhouse_chip.month"}));
}

}  // namespace
}  // namespace revsim
