// Run under `mpirun -n N` (issue 16): run_trials over the ranks (RunOptions::comm) leaves, on
// every rank, an accumulator whose saved state is byte-identical to a one-process run's, for
// each accumulator, for calls that begin inside a block (precision adds trials so) and for more
// ranks than blocks; the public entry points (run_simulation, compare, Sobol through
// run_trials) give the same JSON; a failure on one rank is thrown on all as RankFailed naming
// that rank. Rank 0 prints the verdict; the exit status is non-zero on any mismatch.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../sim/engine/trial_loop.hpp"
#include "revsim/compare.hpp"
#include "revsim/precision.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/sobol.hpp"

#include "mpi_check.hpp"

namespace {

using namespace revsim;

std::string kDir;
using mpitest::check;
using mpitest::failures;

template <class T>
std::string sealed(const T& x) {
  ArchiveWriter w;
  x.save(w);
  return w.seal();
}

RunOptions local(int threads) {
  RunOptions o;
  o.threads = threads;
  return o;
}

/// Each call of `cuts` distributed, against the same calls on rank 0 alone (its state broadcast).
template <class Acc, class Source, class Make>
void same_state(const Comm& comm, const Source& src, const std::vector<std::uint64_t>& cuts, Make make,
                const std::string& what) {
  Acc alone = make(), spread = make();
  RunOptions o = local(1);
  o.comm = &comm;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    if (comm.root()) detail::run_trials(src, cuts[i], cuts[i + 1], alone, local(2));
    const std::string want = comm.broadcast(comm.root() ? sealed(alone) : std::string());
    detail::run_trials(src, cuts[i], cuts[i + 1], spread, o);
    check(comm, spread.trials() == cuts[i + 1] && sealed(spread) == want,
          what + " after trials [" + std::to_string(cuts[i]) + ", " + std::to_string(cuts[i + 1]) + ")");
  }
}

/// The JSON of a one-process computation on rank 0, on every rank.
template <class F>
std::string on_root(const Comm& comm, F f) {
  return comm.broadcast(comm.root() ? to_json(f(), false).dump() : std::string());
}

}  // namespace

int main(int argc, char** argv) {
  Comm comm(argc, argv);
  if (argc < 3 || (std::string(argv[2]) != "states" && std::string(argv[2]) != "api")) {
    std::fprintf(stderr, "usage: mpi_trials SCENARIOS_DIR states|api\n");
    return 2;
  }
  kDir = std::string(argv[1]) + "/";
  const bool states = std::string(argv[2]) == "states";
  const Scenario a = load_scenario(kDir + "example.yaml"), b = load_scenario(kDir + "balanced.yaml");
  const detail::Prepared Pa(a), Pb(b);
  const detail::Dims da(Pa), db(Pb);
  const detail::ScenarioTrials one({&Pa}, 5), two({&Pa, &Pb}, 6);

  if (states) {
    // Exact samples: whole blocks, a call inside a block, fewer blocks than ranks (300 trials).
    same_state<detail::ExactSamples>(
        comm, one, {0, 300, 1000, 1300}, [&] { return detail::ExactSamples(da, true); }, "ExactSamples");
    same_state<detail::ExactSamples>(
        comm, one, {0, 100}, [&] { return detail::ExactSamples(da); }, "ExactSamples (1 block)");
    // Streaming tally: blocks of 16 384, the second call continues the second block. (The paired
    // tally goes through the same code; its serialisation is tested in tests/unit/test_serialise.cpp.)
    same_state<detail::StreamingTally>(
        comm, one, {0, 16400, 16484}, [&] { return detail::StreamingTally(da); }, "StreamingTally");
    // Compare (exact).
    same_state<detail::CompareAccumulator<detail::ExactSamples>>(
        comm, two, {0, 700, 1500},
        [&] {
          return detail::CompareAccumulator<detail::ExactSamples>({detail::ExactSamples(da), detail::ExactSamples(db)},
                                                                  std::nullopt);
        },
        "CompareAccumulator<ExactSamples>");
    same_state<detail::SobolRows>(
        comm, one, {0, 100, 500}, [&] { return detail::SobolRows(StatKind::p_alive, 2, a.threshold); }, "SobolRows");
  }
  RunOptions o{1000, 9, true, 1};
  RunOptions od = o;
  od.comm = &comm;
  if (!states) {
    // The public entry points: a run, a run to a precision (rounds inside blocks), a compare.
    check(comm, to_json(run_simulation(a, od), false).dump() == on_root(comm, [&] { return run_simulation(a, o); }),
          "run_simulation");
    PrecisionTarget t;
    t.stat = "mean";
    t.se = 2.0;
    t.first_trials = 700;
    check(comm,
          to_json(run_to_precision(b, od, t), false).dump() == on_root(comm, [&] { return run_to_precision(b, o, t); }),
          "run_to_precision");
    check(comm,
          to_json(compare_scenarios({a, b}, od), false).dump() == on_root(comm,
                                                                          [&] {
                                                                            return compare_scenarios({a, b}, o);
                                                                          }),
          "compare_scenarios");
  }

  // A failure on the last rank only: every rank throws RankFailed naming it, nobody hangs.
  if (states) {
    struct Failing {
      const detail::ScenarioTrials& src;
      int bad_rank;
      int rank;
      using Worker = detail::ScenarioTrials::Worker;
      Worker worker() const { return src.worker(); }
      void run(Worker& w, std::uint64_t t) const {
        if (rank == bad_rank) throw std::runtime_error("trial " + std::to_string(t) + " failed");
        src.run(w, t);
      }
      std::size_t width() const noexcept { return 1; }
    };
    const Failing f{one, comm.size() - 1, comm.rank()};
    detail::ExactSamples acc(da);
    std::string got;
    try {
      detail::run_trials(f, 0, 256ULL * static_cast<std::uint64_t>(comm.size()), acc, od);
    } catch (const RankFailed& e) {
      got = e.what();
    } catch (const std::exception& e) {
      got = std::string("not RankFailed: ") + e.what();
    }
    const std::string want = comm.size() > 1 ? "rank " + std::to_string(comm.size() - 1) + ": trial " +
                                                   std::to_string(256 * (comm.size() - 1)) + " failed"
                                             : "trial 0 failed";
    if (comm.size() > 1) check(comm, got == want, "failure message '" + got + "', expected '" + want + "'");
  }

  const bool ok = comm.all_ok(failures == 0);
  if (comm.root())
    std::printf("mpi trials (%s): %d ranks, %s (broadcast %llu bytes, gathered %llu bytes on rank 0)\n", argv[2],
                comm.size(), ok ? "ok" : "FAILED", static_cast<unsigned long long>(comm.bytes_broadcast()),
                static_cast<unsigned long long>(comm.bytes_gathered()));
  return ok ? 0 : 1;
}
