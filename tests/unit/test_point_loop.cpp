// Points over the MPI ranks (issue 16, sim/parallel/point_loop.hpp): the rounds cover every point
// once, in order, whole rounds first and the fewer-than-ranks remainder last (hand-computed
// cases); what a point sends to rank 0 — a sweep point's Results, a backtest company, a statistic —
// comes back through the sealed archive bit for bit (the JSON of every field, runtime included,
// and the bytes of a second save, are equal); a damaged message is refused. The loop itself on
// one process is the plain loop. Under mpirun: tests/mpi/mpi_points.sh.
#include "../../sim/parallel/point_loop.hpp"
#include "revsim/backtest.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace revsim {
namespace {

const std::string kDir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

using detail::point_rounds;
using detail::PointRound;

std::vector<std::pair<std::size_t, std::size_t>> rounds(std::size_t n, int ranks) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (const PointRound& r : point_rounds(n, ranks)) out.emplace_back(r.first, r.per_rank);
  return out;
}

using Rounds = std::vector<std::pair<std::size_t, std::size_t>>;

TEST(PointLoop, PointsPerRankIsSixteenThenAtMost256PerRound) {
  EXPECT_EQ(detail::points_per_rank(1), 16U);
  EXPECT_EQ(detail::points_per_rank(2), 16U);
  EXPECT_EQ(detail::points_per_rank(16), 16U);
  EXPECT_EQ(detail::points_per_rank(17), 15U);  // 256 / 17
  EXPECT_EQ(detail::points_per_rank(64), 4U);
  EXPECT_EQ(detail::points_per_rank(256), 1U);
  EXPECT_EQ(detail::points_per_rank(1000), 1U);
}

TEST(PointLoop, RoundsByHand) {
  EXPECT_TRUE(point_rounds(0, 2).empty());
  // 200 points on 2 ranks: six rounds of 2 x 16, then 8 left: 2 x 4. Nothing split by trials.
  EXPECT_EQ(rounds(200, 2), (Rounds{{0, 16}, {32, 16}, {64, 16}, {96, 16}, {128, 16}, {160, 16}, {192, 4}}));
  // 7 points on 3 ranks: 2 each, then point 6 alone, its trials split over the 3 ranks.
  EXPECT_EQ(rounds(7, 3), (Rounds{{0, 2}, {6, 0}}));
  // Fewer points than ranks (a 2-point sweep on 3 ranks): every point split by trials, as before.
  EXPECT_EQ(rounds(2, 3), (Rounds{{0, 0}}));
  EXPECT_EQ(rounds(3, 3), (Rounds{{0, 1}}));
  EXPECT_EQ(rounds(40, 1), (Rounds{{0, 16}, {16, 16}, {32, 8}}));
}

TEST(PointLoop, RoundsCoverEveryPointOnceInOrder) {
  for (int R = 1; R <= 40; ++R)
    for (std::size_t n = 0; n <= 700; n += (n < 80 ? 1 : 37)) {
      std::vector<std::size_t> seen;  // the order rank 0 hands the points on in
      std::size_t leftover = 0;
      for (const PointRound& r : point_rounds(n, R)) {
        ASSERT_EQ(r.first, seen.size()) << n << " points, " << R << " ranks";
        if (r.per_rank == 0) {
          leftover = n - r.first;
          for (std::size_t i = r.first; i < n; ++i) seen.push_back(i);
          continue;
        }
        ASSERT_LE(r.per_rank, detail::points_per_rank(R));
        for (int rank = 0; rank < R; ++rank) {
          const auto [lo, hi] = Comm::share(static_cast<std::uint64_t>(R) * r.per_rank, rank, R);
          ASSERT_EQ(hi - lo, r.per_rank);  // every rank the same number of points
          for (std::uint64_t k = lo; k < hi; ++k) seen.push_back(r.first + k);
        }
      }
      ASSERT_EQ(seen.size(), n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], i);
      EXPECT_LT(leftover, static_cast<std::size_t>(R)) << n << " points, " << R << " ranks";
    }
}

template <class T>
std::string sealed(const T& x) {
  ArchiveWriter w;
  detail::save(w, x);
  return w.seal();
}

template <class T>
T reloaded(const std::string& bytes) {
  ArchiveReader rd(bytes, "test");
  T t{};
  detail::load(rd, t);
  rd.expect_end();
  return t;
}

RunOptions small(std::uint64_t trials) {
  RunOptions o;
  o.trials = trials;
  o.threads = 2;
  return o;
}

void expect_round_trip(const Results& r) {
  const std::string bytes = sealed(r);
  const Results back = reloaded<Results>(bytes);
  EXPECT_EQ(to_json(back, true).dump(), to_json(r, true).dump());
  EXPECT_EQ(sealed(back), bytes);  // nothing lost: saving what was read gives the same bytes
}

TEST(PointLoop, ResultsComeBackBitForBit) {
  const Scenario s = load_scenario(kDir + "example.yaml");
  Results exact = run_simulation(s, small(600));
  ASSERT_EQ(exact.quantiles, "exact");
  ASSERT_FALSE(exact.forecast_audit.empty());
  ASSERT_FALSE(exact.accounts.empty());
  ASSERT_FALSE(exact.histograms.empty());
  expect_round_trip(exact);
  expect_round_trip(run_streaming(s, small(600)));
  // Both states of every optional, odd doubles (NaN payloads, -0, infinities, subnormals) kept.
  Results odd = exact;
  odd.runway = {};
  odd.runway.p50 = -0.0;
  odd.runway.alive_36 = std::numeric_limits<double>::denorm_min();
  odd.accounts.front().median_first_order_month.reset();
  odd.accounts.back().median_first_order_month = std::numeric_limits<double>::infinity();
  odd.threshold = -std::numeric_limits<double>::infinity();
  odd.years.front().channels[3].share = 0.1 + 0.2;
  expect_round_trip(odd);
  Results nan = exact;
  nan.years.front().sd = std::numeric_limits<double>::quiet_NaN();
  const Results back = reloaded<Results>(sealed(nan));
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, &nan.years.front().sd, 8);
  std::memcpy(&b, &back.years.front().sd, 8);
  EXPECT_EQ(a, b);
  EXPECT_EQ(sealed(back), sealed(nan));
}

TEST(PointLoop, BacktestCompaniesComeBackBitForBit) {
  // cambricon-2019 has revenue, top-5 share and per-channel actuals: every optional part present.
  const BacktestCompany c = backtest_scenario(load_scenario(kDir + "history/cambricon-2019.yaml"), small(300));
  bool top5 = false, channels = false, unscored = false;
  for (const BacktestYear& y : c.years) {
    top5 = top5 || y.top5.has_value();
    channels = channels || !y.channels.empty();
    unscored = unscored || !y.top5.has_value();
  }
  ASSERT_TRUE(top5 && channels && unscored);
  const std::string bytes = sealed(c);
  const BacktestCompany back = reloaded<BacktestCompany>(bytes);
  Backtest one, two;
  one.companies = {c};
  two.companies = {back};
  pool(one);
  pool(two);
  EXPECT_EQ(to_json(two).dump(), to_json(one).dump());
  EXPECT_EQ(back.source, c.source);
  ASSERT_EQ(back.fan.size(), c.fan.size());
  EXPECT_EQ(sealed(back), bytes);
}

TEST(PointLoop, DamagedMessagesAreRefused) {
  const Results r = run_simulation(load_scenario(kDir + "example.yaml"), small(300));
  std::string bytes = sealed(r);
  EXPECT_THROW(reloaded<Results>(bytes.substr(0, bytes.size() - 5)), ArchiveError);
  bytes[100] = static_cast<char>(bytes[100] ^ 1);
  EXPECT_THROW(reloaded<Results>(bytes), ArchiveError);
  // A well-sealed message that is not a Results: refused, not half-read.
  ArchiveWriter w;
  w.str("not a result");
  const std::string other = w.seal();
  EXPECT_THROW(reloaded<Results>(other), ArchiveError);
}

TEST(PointLoop, OneProcessIsThePlainLoop) {
  RunOptions o;  // no comm: point after point, in order
  std::vector<std::size_t> order;
  std::vector<double> got;
  detail::run_points<double>(
      5, o, detail::PointsTo::rank0, [](std::size_t i, const RunOptions&) { return 0.5 * static_cast<double>(i); },
      [&](std::size_t i, double v) {
        order.push_back(i);
        got.push_back(v);
      },
      [](double) { return std::uint64_t{0}; });
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(got, (std::vector<double>{0, 0.5, 1, 1.5, 2}));
}

}  // namespace
}  // namespace revsim
