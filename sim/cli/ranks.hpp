// The command line under MPI (issue 16; docs/scale-out.md): `mpirun -n N revsim SUBCOMMAND ...`.
// Every rank parses the same command line and runs the same subcommand; the trial loop splits
// its blocks over the ranks (RunOptions::comm) and leaves the merged state on every rank.
// Only rank 0 writes: standard output, files (through AtomicFile's output gate), messages. The
// other ranks' standard output goes to /dev/null and their stderr to a temporary file, so each
// message is said once; a rank that fails alone is reported by rank 0 as "rank R: ...".
// Before the first output every rank agrees that none failed, so a failed run writes nothing.
// Without mpirun (or in a build without MPI) there is one rank and nothing changes. main makes
// the one Ranks of the process; the subcommands reach it through CliContext::ranks.
#pragma once

#include "../parallel/mpi_comm.hpp"

#include <memory>

namespace revsim::cli {

class Ranks {
 public:
  /// MPI_Init when launched by mpirun/srun (Comm); with several ranks: the output gate, rank 0's
  /// standard input (a scenario read from '-') broadcast, the other ranks' stdout and stderr
  /// redirected. Make it first in main.
  Ranks(int& argc, char**& argv);
  ~Ranks();  ///< MPI_Finalize
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  /// The exit status of this rank, given its own: every rank agrees (unless a failure was
  /// agreed on already), and when another rank failed rank 0 says why and exits 1. Unless
  /// `quiet`, rank 0 of a successful run says how many bytes the ranks exchanged.
  int finish(int status, bool quiet);

  /// The ranks of this process (RunOptions::comm).
  const Comm* comm() const noexcept { return comm_.get(); }
  /// This process writes outputs (rank 0, or no MPI).
  bool writes_output() const noexcept { return comm_->root(); }
  /// Asked before writing standard output (and, as AtomicFile's output gate, before any file):
  /// the first time, every rank agrees that none failed (throws RankFailed otherwise); then true
  /// on the rank that writes. Always true without MPI.
  bool output_allowed();
  /// A failure every rank knows of already (RankFailed was thrown): finish() agrees no more.
  void failure_agreed() noexcept { agreed_ = true; }

 private:
  std::unique_ptr<Comm> comm_;
  bool agreed_ = false;  ///< the one agreement of the command line has been made
};

}  // namespace revsim::cli
