// The check of the MPI test programs (mpi_trials.cpp, mpi_points.cpp): every rank checks its own
// state; rank 0 prints the first rank that differs, and each rank counts the mismatches.
#pragma once

#include <cstdio>
#include <string>

#include "../../sim/parallel/mpi_comm.hpp"

namespace revsim::mpitest {

/// Mismatches seen on this rank.
inline int failures = 0;

inline void check(const Comm& comm, bool ok, const std::string& what) {
  const std::string e = comm.first_error(ok ? "" : what);
  if (!e.empty()) {
    if (comm.root()) std::printf("MISMATCH %s\n", e.c_str());
    ++failures;
  }
}

}  // namespace revsim::mpitest
