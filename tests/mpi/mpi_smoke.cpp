// Run under `mpirun -n N`: the collectives of sim/parallel/mpi_comm.hpp on N ranks. Rank 0
// checks what it gathered (every rank what it allgathered) and exits non-zero (after saying why) when anything is off.
#include "../../sim/parallel/archive.hpp"
#include "../../sim/parallel/mpi_comm.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  revsim::Comm comm(argc, argv);
  // Input broadcast from rank 0 (a scenario's text, say), 3 MB so it is not one small message.
  std::string input = comm.root() ? std::string(3U << 20U, 'y') + "end" : std::string();
  input = comm.broadcast(input);
  bool ok = input.size() == (3U << 20U) + 3 && input.substr(input.size() - 3) == "end";
  // Each rank's sealed state, gathered in rank order.
  revsim::ArchiveWriter w;
  w.u64(static_cast<std::uint64_t>(comm.rank()));
  w.f64(0.1 * comm.rank());
  const auto parts = comm.gather(w.seal());
  if (comm.root()) {
    if (parts.size() != static_cast<std::size_t>(comm.size())) ok = false;
    for (std::size_t r = 0; ok && r < parts.size(); ++r) {
      revsim::ArchiveReader rd(parts[r], "rank " + std::to_string(r));
      ok = rd.u64() == r && rd.f64() == 0.1 * static_cast<double>(r);
    }
  }
  // Every rank's bytes on every rank, in rank order (allgather): rank r gives r * 1 MiB + r
  // bytes of the letter 'a' + r (rank 0 nothing at all, as a rank without blocks does).
  const auto mine = [](int r) {
    return std::string(static_cast<std::size_t>(r) * ((1U << 20U) + 1U), static_cast<char>('a' + r));
  };
  const auto all = comm.allgather(mine(comm.rank()));
  bool all_ok = all.size() == static_cast<std::size_t>(comm.size());
  for (std::size_t r = 0; all_ok && r < all.size(); ++r) all_ok = all[r] == mine(static_cast<int>(r));
  if (!all_ok) std::printf("rank %d: allgather gave the wrong bytes\n", comm.rank());
  ok = ok && all_ok;
  const double total = comm.sum(1.0);
  ok = ok && total == comm.size();
  ok = comm.all_ok(ok);
  if (comm.root()) std::printf("mpi smoke: %d ranks, %s (built with MPI: %s)\n", comm.size(), ok ? "ok" : "FAILED",
                               revsim::built_with_mpi() ? "yes" : "no");
  return ok ? 0 : 1;
}
