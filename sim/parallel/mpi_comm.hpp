// The few MPI collectives revsim needs (OpenMPI from Debian, as OpenMC uses MPI): who am I, hand
// the input to every rank, bring every rank's bytes to rank 0, stop everything on a failure.
// Built with REVSIM_MPI; without it a Comm is one rank (rank 0 of 1) and every call is local,
// so the callers have one code path.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace revsim {

class Comm {
 public:
  /// MPI_Init (with MPI_THREAD_FUNNELED: only the main thread calls MPI; oneTBB's workers never
  /// do) when built with MPI and started by mpirun/srun (launched_by_mpi()); otherwise one rank,
  /// and MPI is never initialised (a singleton MPI_Init, as root, is a trap). One per process.
  Comm(int& argc, char**& argv);
  ~Comm();  ///< MPI_Finalize
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool root() const noexcept { return rank_ == 0; }
  /// Built with MPI and more than one rank.
  bool distributed() const noexcept { return size_ > 1; }

  /// Rank 0's `bytes` on every rank.
  std::string broadcast(const std::string& bytes) const;
  /// Every rank's `bytes`, in rank order, on rank 0 (empty on the others).
  std::vector<std::string> gather(const std::string& bytes) const;
  /// Every rank's `bytes`, in rank order, on every rank (each rank's bytes broadcast in turn).
  std::vector<std::string> allgather(std::string bytes) const;
  /// True on every rank when `ok` is true on every rank (a collective: every rank must call it).
  bool all_ok(bool ok) const;
  /// Sum of `v` over the ranks, on every rank.
  double sum(double v) const;
  /// Every rank passes the error it met ("" for none). Returns "" on every rank when no rank
  /// failed; otherwise, on every rank, the error of the first rank that failed, as
  /// "rank R: error" when there are several ranks (a collective: every rank must call it).
  std::string first_error(const std::string& error) const;
  /// Stop every rank with `code` (MPI_Abort); without MPI, std::exit.
  [[noreturn]] void abort(int code) const;

  /// Bytes this rank received by broadcast() (rank 0: sent to each rank), and bytes gather()
  /// moved for it (sent by a rank other than 0; received from every other rank on rank 0), since
  /// the start. allgather() counts, on every rank, the other ranks' bytes as gathered and its own
  /// as broadcast (sent to each rank).
  std::uint64_t bytes_broadcast() const noexcept { return broadcast_bytes_; }
  std::uint64_t bytes_gathered() const noexcept { return gathered_bytes_; }

  /// Trials [first, last) cut into `block`-trial blocks, split into `size()` contiguous runs of
  /// whole blocks: the blocks of rank r (the first ranks take one more when they do not divide).
  static std::pair<std::uint64_t, std::uint64_t> share(std::uint64_t blocks, int rank, int size) noexcept {
    const auto n = static_cast<std::uint64_t>(size);
    const auto r = static_cast<std::uint64_t>(rank);
    const std::uint64_t base = blocks / n, extra = blocks % n;
    const std::uint64_t lo = r * base + (r < extra ? r : extra);
    return {lo, lo + base + (r < extra ? 1 : 0)};
  }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool initialised_ = false;
  mutable std::uint64_t broadcast_bytes_ = 0, gathered_bytes_ = 0;
};

/// Whether this build has MPI.
bool built_with_mpi() noexcept;
/// Whether the process was started by an MPI launcher (mpirun, srun, mpiexec): one of
/// OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK or PMI_SIZE is set.
bool launched_by_mpi() noexcept;

}  // namespace revsim
