// Run under `mpirun -n N` (issue 16): run_points (sim/parallel/point_loop.hpp) hands rank 0 every
// point's result in point order, whatever N (rounds, the remainder split by trials, fewer points
// than ranks); with PointsTo::every_rank every rank gets them all, with PointsTo::rank0 the other
// ranks none; a point runs on one rank only (comm = nullptr inside) except the remainder, which
// runs on every rank with the comm; a real run_sweep / sensitivity / backtest gives on rank 0 the
// plain run's results; a point that fails on one rank throws RankFailed naming that rank on all,
// and nobody hangs. Rank 0 prints the verdict; the exit status is non-zero on any mismatch.
#include <nlohmann/json.hpp>
#include <optional>
#include <cstdio>
#include <string>
#include <vector>

#include "../../sim/parallel/point_loop.hpp"
#include "revsim/backtest.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/sweep.hpp"

#include "mpi_check.hpp"

namespace {

using namespace revsim;

using mpitest::check;
using mpitest::failures;

/// run_points over n synthetic points: point i's value is i * 1.5 + 0.1 (bit patterns that do not
/// survive a text round trip), computed once per point on the rank(s) that ran it.
void synthetic(const Comm& comm, std::size_t n, detail::PointsTo to) {
  RunOptions o;
  o.comm = &comm;
  const std::string label =
      std::to_string(n) + (to == detail::PointsTo::rank0 ? " points to rank 0" : " points to all");
  std::vector<std::size_t> order;
  std::vector<double> got;
  std::vector<int> ran_alone(n, 0), ran_shared(n, 0);
  detail::run_points<double>(
      n, o, to,
      [&](std::size_t i, const RunOptions& ro) {
        (ro.comm == nullptr ? ran_alone : ran_shared)[i] += 1;
        return static_cast<double>(i) * 1.5 + 0.1;
      },
      [&](std::size_t i, double v) {
        order.push_back(i);
        got.push_back(v);
      },
      [](double) { return std::uint64_t{1}; });
  const bool hears = comm.root() || to == detail::PointsTo::every_rank;
  bool ok = order.size() == (hears ? n : 0);
  for (std::size_t k = 0; ok && k < order.size(); ++k)
    ok = order[k] == k && got[k] == static_cast<double>(k) * 1.5 + 0.1;
  check(comm, ok, label + ": the points in order with their values");
  // Every point ran once in all: alone on one rank, or (the remainder) with the comm on every rank.
  std::string counts;
  for (std::size_t i = 0; i < n; ++i)
    counts += std::to_string(ran_alone[i]) + "/" + std::to_string(ran_shared[i]) + " ";
  const std::vector<std::string> all = comm.gather(counts);
  if (comm.root()) {
    bool once = true;
    for (std::size_t i = 0; i < n; ++i) {
      int alone = 0, shared = 0;
      for (const std::string& c : all) {
        std::size_t at = 0;
        for (std::size_t k = 0; k < i; ++k) at = c.find(' ', at) + 1;
        alone += std::stoi(c.substr(at));
        shared += std::stoi(c.substr(c.find('/', at) + 1));
      }
      once = once && ((alone == 1 && shared == 0) || (alone == 0 && shared == comm.size()));
    }
    if (!once) {
      std::printf("MISMATCH %s: a point ran more or less than once\n", label.c_str());
      ++failures;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Comm comm(argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: mpi_points SCENARIOS_DIR\n");
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/";
  const std::size_t R = static_cast<std::size_t>(comm.size());
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, R - 1, R, R + 1, 3 * R + 2, 16 * R + 5, 70 * R})
    for (detail::PointsTo to : {detail::PointsTo::rank0, detail::PointsTo::every_rank}) synthetic(comm, n, to);

  // The library's studies: rank 0's results equal the plain run's (every rank's, for the
  // tornado and the backtest).
  RunOptions plain{200, 7, true, 1};
  RunOptions ranks = plain;
  ranks.comm = &comm;
  const SweepPlan plan =
      plan_sweep(dir + "example.yaml", {}, {"channels.government.p_win=0.1:0.9:0.2", "company.cash=60,90"});
  auto sweep_json = [&](const RunOptions& o) {
    std::string s;
    for (const Results& r : run_sweep(plan, o).points) s += to_json(r, false).dump() + "\n";
    return s;
  };
  const std::string sweep_ranks = sweep_json(ranks);
  check(comm, !comm.root() || sweep_ranks == sweep_json(plain), "run_sweep");
  check(comm, comm.root() || sweep_ranks.empty(), "run_sweep: a rank other than 0 saw points");
  RunOptions few{50, 7, true, 1};
  RunOptions few_ranks = few;
  few_ranks.comm = &comm;
  check(comm,
        to_json(sensitivity(dir + "turnkey-builder.yaml", {}, few_ranks, "mean", std::nullopt, false)).dump() ==
            to_json(sensitivity(dir + "turnkey-builder.yaml", {}, few, "mean", std::nullopt, false)).dump(),
        "sensitivity");
  const std::vector<Scenario> history{load_scenario(dir + "history/cambricon-2019.yaml"),
                                      load_scenario(dir + "history/enflame-2022.yaml"),
                                      load_scenario(dir + "history/iluvatar-2022.yaml")};
  check(comm, to_json(backtest(history, ranks), false).dump() == to_json(backtest(history, plain), false).dump(),
        "backtest");

  // A point that fails on the last rank only: RankFailed naming that rank, on every rank.
  if (comm.size() > 1) {
    RunOptions o;
    o.comm = &comm;
    std::string got;
    try {
      detail::run_points<double>(
          2 * R, o, detail::PointsTo::rank0,
          [&](std::size_t i, const RunOptions&) -> double {
            if (i == 2 * R - 1) throw std::runtime_error("point " + std::to_string(i) + " failed");
            return 1.0;
          },
          [](std::size_t, double) {}, [](double) { return std::uint64_t{0}; });
    } catch (const RankFailed& e) {
      got = e.what();
    } catch (const std::exception& e) {
      got = std::string("not RankFailed: ") + e.what();
    }
    const std::string want = "rank " + std::to_string(R - 1) + ": point " + std::to_string(2 * R - 1) + " failed";
    check(comm, got == want, "a failing point: got '" + got + "', want '" + want + "'");
  }
  if (comm.root()) {
    if (failures == 0) std::printf("mpi points: %d ranks, ok\n", comm.size());
    else std::printf("mpi points: %d ranks, %d mismatches\n", comm.size(), failures);
  }
  return failures == 0 ? 0 : 1;
}
