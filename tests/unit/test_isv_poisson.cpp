// The ISV orders' Poisson table (sim/channels/isv.cpp, PoissonTable): a count looked up in it is
// the count Random::poisson_inversion draws from the same uniform, and the stream moves the same.
#include "../../sim/channels/channel_models.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace {

using revsim::Random;
using revsim::detail::PoissonTable;

PoissonTable table_of(double mean) {
  PoissonTable t;
  t.mean = mean;
  t.exp_neg = std::exp(-mean);
  t.build();
  return t;
}

TEST(IsvPoissonTable, SameVariatesAsSequentialSearch) {
  // Full-year means of the default order rate (3 a year, growth 0.3: 3 x 1.3^k), a small and a
  // large one; 200 000 draws each from two copies of one stream.
  for (const double mean : {0.05, 0.7, 3.0, 3.9, 5.07, 6.591, 8.5683, 9.999}) {
    const PoissonTable t = table_of(mean);
    Random a = Random::from_key(Random::key(7, 11, static_cast<std::uint64_t>(mean * 1000)));
    Random b = a;
    double sum = 0;
    for (int i = 0; i < 200000; ++i) {
      const std::uint64_t k = t.draw(a);
      ASSERT_EQ(k, b.poisson_inversion(mean, t.exp_neg)) << "mean " << mean << ", draw " << i;
      sum += static_cast<double>(k);
    }
    EXPECT_EQ(a.uniform(), b.uniform()) << "mean " << mean;  // one uniform a draw, both ways
    // And it is Poisson(mean): the sample mean within 5 standard errors, sqrt(mean / N).
    EXPECT_NEAR(sum / 200000, mean, 5 * std::sqrt(mean / 200000)) << "mean " << mean;
  }
}

TEST(IsvPoissonTable, TableIsTheSearchsPartialSumsAndGuideIsTight) {
  const double mean = 3.9;
  const PoissonTable t = table_of(mean);
  ASSERT_GT(t.n, 20);
  // cdf[k] = sum of the first k + 1 terms, summed as the search sums them.
  double p = std::exp(-mean);
  double f = p;
  EXPECT_EQ(t.cdf[0], f);
  for (int k = 1; k < t.n; ++k) {
    p *= mean / k;
    f += p;
    EXPECT_EQ(t.cdf[static_cast<std::size_t>(k)], f) << k;
  }
  // guide[j]: the smallest k with cdf[k] >= j / 32.
  for (int j = 0; j <= PoissonTable::kGuide; ++j) {
    const double level = static_cast<double>(j) / PoissonTable::kGuide;
    const int g = t.guide[static_cast<std::size_t>(j)];
    if (g > 0) {
      EXPECT_LT(t.cdf[static_cast<std::size_t>(g - 1)], level) << j;
    }
    if (g < t.n - 1) {
      EXPECT_GE(t.cdf[static_cast<std::size_t>(g)], level) << j;
    }
  }
  EXPECT_EQ(t.guide[0], 0);
}

}  // namespace
