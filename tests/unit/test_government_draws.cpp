// The government channel's draws of issue 14, round four (docs/model.md, "Random streams"):
// the slips of a project as one uniform, a success event of an uncorrelated channel as one
// uniform, arrivals as a Poisson count placed uniformly, and the patience checks taken between
// decisions. Statistical checks state their tolerance in standard errors (4 unless told).
#include "../../sim/channels/channel_models.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace revsim {
namespace {

using detail::GovernmentModel;
using test::calm_world;
using test::scenario;

TEST(GovernmentDraws, SlipCountIsTheThresholdsOfOneUniform) {
  // slips_of(u) >= j exactly when u < p^j (the product of j factors p), for every j <= max.
  Random r = Random::from_key(Random::key(1, 2, 3));
  for (const double p : {0.0, 0.25, 0.4, 0.7, 1.0}) {
    for (const int max : {0, 1, 2, 3, 7}) {
      for (int i = 0; i < 2000; ++i) {
        const double u = r.uniform();
        const int k = GovernmentModel::slips_of(u, p, max);
        ASSERT_GE(k, 0);
        ASSERT_LE(k, max);
        double q = 1.0;
        for (int j = 1; j <= max; ++j) {
          q *= p;
          ASSERT_EQ(k >= j, u < q) << "p " << p << ", max " << max << ", u " << u << ", j " << j;
        }
      }
    }
  }
  EXPECT_EQ(GovernmentModel::slips_of(0.0, 1.0, 5), 5);  // a sure slip slips every time
  EXPECT_EQ(GovernmentModel::slips_of(0.0, 0.0, 5), 0);  // an impossible one never
}

TEST(GovernmentDraws, SlipCountHasTheDistributionOfIndependentSlips) {
  // max independent draws, each slipping with p until the first that does not:
  // P(k) = p^k (1 - p) for k < max, p^max for k = max. Frequencies within 4 standard errors
  // sqrt(P (1 - P) / N), and the mean against sum_{j=1..max} p^j.
  const int n = 200000;
  for (const double p : {0.4, 0.7}) {
    for (const int max : {2, 3}) {
      Random r = Random::from_key(Random::key(5, static_cast<std::uint64_t>(max), static_cast<std::uint64_t>(p * 10)));
      std::vector<int> count(static_cast<std::size_t>(max) + 1, 0);
      double sum = 0, sum2 = 0;
      for (int i = 0; i < n; ++i) {
        const int k = GovernmentModel::slips_of(r.uniform(), p, max);
        ++count[static_cast<std::size_t>(k)];
        sum += k;
        sum2 += static_cast<double>(k) * k;
      }
      double mean = 0, second = 0;
      for (int k = 0; k <= max; ++k) {
        const double pk = k < max ? std::pow(p, k) * (1 - p) : std::pow(p, max);
        mean += k * pk;
        second += static_cast<double>(k) * k * pk;
        EXPECT_NEAR(count[static_cast<std::size_t>(k)] / static_cast<double>(n), pk, 4 * std::sqrt(pk * (1 - pk) / n))
            << "p " << p << ", max " << max << ", k " << k;
      }
      double geometric = 0;
      for (int j = 1; j <= max; ++j) geometric += std::pow(p, j);
      EXPECT_NEAR(mean, geometric, 1e-12);
      const double var = second - mean * mean;
      EXPECT_NEAR(sum / n, mean, 4 * std::sqrt(var / n)) << "p " << p << ", max " << max;
      EXPECT_GT(sum2, 0.0);
    }
  }
}

/// A trial context of a scenario whose government luck has correlation rho (maturity constant:
/// the factor (M / M0)^e is exactly 1).
struct Context {
  explicit Context(double rho)
      : s(scenario(calm_world() + "  within_channel_correlation: {government: " + std::to_string(rho) +
                   "}\nchannels:\n  government: {}\n")),
        P(s),
        ctx(P) {
    ctx.key_prefix = Random::trial_prefix(1, 0);
    ctx.start_maturity(1.0);
    ctx.Z.resize(static_cast<std::size_t>(P.Y));
    ctx.z_have = 0;
  }
  Scenario s;
  detail::Prepared P;
  detail::TrialContext ctx;
};

TEST(GovernmentDraws, UniformSuccessWithoutCorrelationIsOneUniformBelowP) {
  // rho = 0: success_uniform is u < p of the entity's next uniform (one draw, always made), and
  // so succeeds with probability p: frequency within 4 standard errors.
  Context c(0.0);
  const int n = 100000;
  for (const double p : {0.0, 0.3, 0.75, 1.0, 1.5}) {
    Random a = Random::from_key(Random::key(9, 9, static_cast<std::uint64_t>(p * 100)));
    Random b = a;
    int wins = 0;
    for (int i = 0; i < n; ++i) {
      const bool w = c.ctx.success_uniform(Channel::government, p, 0, a);
      ASSERT_EQ(w, b.uniform() < p);
      wins += w ? 1 : 0;
    }
    EXPECT_EQ(a.uniform(), b.uniform());  // the streams are at the same place
    const double q = std::min(1.0, p);
    EXPECT_NEAR(wins / static_cast<double>(n), q, 4 * std::sqrt(q * (1 - q) / n) + 1e-12) << "p " << p;
  }
}

TEST(GovernmentDraws, UniformSuccessWithCorrelatedLuckIsTheNormalRule) {
  // rho > 0: the decision of success() itself (its eps a standard normal), draw for draw.
  Context c(0.3);
  Context d(0.3);
  Random a = Random::from_key(Random::key(4, 4, 4));
  Random b = a;
  for (int i = 0; i < 20000; ++i) {
    const double p = (i % 10) / 9.0;
    const int m = i % 60;
    ASSERT_EQ(c.ctx.success_uniform(Channel::government, p, m, a), d.ctx.success(Channel::government, p, m, b)) << i;
  }
  EXPECT_EQ(a.uniform(), b.uniform());
}

TEST(GovernmentDraws, ArrivalsArePoissonPerYearAndIndependent) {
  // Value 1, never decided (sales cycle 1000 months): the face value of "government projects"
  // in a year is its number of arrivals. Rate 2 a year from month 6 over 5 years: year 0 holds
  // Poisson(1), the others Poisson(2), all independent; the total Poisson(9). Means and
  // variances within 4 standard errors (Var of a sample variance of Poisson(l): (l + 2 l^2) / N).
  const Scenario s = scenario(calm_world() +
                              "channels:\n  government: {projects_per_year: 2, first_month: 6, value: 1, "
                              "sales_cycle_months: 1000}\n");
  const int n = 40000;
  const auto out = simulate_trials(s, 11, 0, n);
  const std::size_t Y = 5;
  std::vector<double> sum(Y + 1, 0.0), sum2(Y + 1, 0.0);
  double cross = 0;
  for (const auto& o : out) {
    double total = 0;
    for (std::size_t y = 0; y < Y; ++y) {
      const double k = o.entity_face[y];  // entity 0: "government projects" (no named accounts)
      ASSERT_EQ(k, std::floor(k));
      sum[y] += k;
      sum2[y] += k * k;
      total += k;
    }
    sum[Y] += total;
    sum2[Y] += total * total;
    cross += o.entity_face[1] * o.entity_face[2];
  }
  for (std::size_t y = 0; y <= Y; ++y) {
    const double lambda = y == Y ? 9.0 : y == 0 ? 1.0 : 2.0;
    const double mean = sum[y] / n;
    const double var = sum2[y] / n - mean * mean;
    EXPECT_NEAR(mean, lambda, 4 * std::sqrt(lambda / n)) << "year " << y;
    EXPECT_NEAR(var, lambda, 4 * std::sqrt((lambda + 2 * lambda * lambda) / n)) << "year " << y;
  }
  // Cov(year 1, year 2) = 0: E[XY] = 4, Var(XY) = E[X^2]^2 - 16 = 36 - 16 = 20.
  EXPECT_NEAR(cross / n, 4.0, 4 * std::sqrt(20.0 / n));
}

/// Named projects won turnkey in their due month (p_win 1, no slips, no delivery), value 100,
/// no arrivals; the sales team checked every 12 months from month 0, rehired after 6.
std::string named(double p_leave, const std::string& projects) {
  return calm_world() +
         "  within_channel_correlation: 0\n"
         "channels:\n  government:\n"
         "    projects_per_year: 0\n    p_win: 1\n    p_slip: 0\n    turnkey_p: 1\n    delivery_months: 0\n"
         "    value: 100\n    turnkey_cost_share: 0\n    advance_share: 0\n"
         "    sales_patience_months: 12\n    rehire_months: 6\n    p_sales_leave: " +
         std::to_string(p_leave) + "\n    projects:\n" + projects;
}

TEST(GovernmentDraws, PatienceChecksBetweenDecisionsHandComputed) {
  // Due 10, 30, 50. The team stays: all three won (years 0, 2, 4). The team always leaves:
  // A won at 10 restarts the clock; the check at 22 takes B (open, due 30) and the next check,
  // at 22 + 6 + 12 = 40, takes C: only A's 100 in year 0.
  const std::string three = "      - {name: A, due_month: 10}\n      - {name: B, due_month: 30}\n"
                            "      - {name: C, due_month: 50}\n";
  for (const auto& o : simulate_trials(scenario(named(0, three)), 1, 0, 50)) {
    const std::vector<double> want{100, 0, 100, 0, 100};
    for (int y = 0; y < 5; ++y) EXPECT_EQ(o.year_total(y), want[static_cast<std::size_t>(y)]) << y;
  }
  for (const auto& o : simulate_trials(scenario(named(1, three)), 1, 0, 50)) {
    const std::vector<double> want{100, 0, 0, 0, 0};
    for (int y = 0; y < 5; ++y) EXPECT_EQ(o.year_total(y), want[static_cast<std::size_t>(y)]) << y;
  }
  // A decision at the very time of a check comes first (§8): B due 22 is won, the clock
  // restarts at 22, the check at 34 takes C (due 50): years 0 and 1.
  const std::string tie = "      - {name: A, due_month: 10}\n      - {name: B, due_month: 22}\n"
                          "      - {name: C, due_month: 50}\n";
  for (const auto& o : simulate_trials(scenario(named(1, tie)), 1, 0, 50)) {
    const std::vector<double> want{100, 100, 0, 0, 0};
    for (int y = 0; y < 5; ++y) EXPECT_EQ(o.year_total(y), want[static_cast<std::size_t>(y)]) << y;
  }
}

}  // namespace
}  // namespace revsim
