// The interface between revsim and its MPI module (librevsim_mpi.so, built with REVSIM_MPI from
// mpi_module.cpp next to the executables). The module alone links the MPI library; revsim loads
// it (Comm, mpi_comm.cpp) only when an MPI launcher started the process, so that a run without
// mpirun does not load Open MPI's seven shared libraries (~5 ms of every start on a VM where a
// page fault costs ~25 us). A plain C table: the module and revsim share no C++ types.
#pragma once

extern "C" {

/// Element types and reductions of the table's calls.
enum RevsimMpiType { revsim_mpi_char = 0, revsim_mpi_u64 = 1, revsim_mpi_int = 2, revsim_mpi_double = 3 };
enum RevsimMpiOp { revsim_mpi_min = 0, revsim_mpi_sum = 1 };

/// Every call returns 0 on success, otherwise the MPI error code; all on MPI_COMM_WORLD.
struct RevsimMpi {
  int version;  ///< kRevsimMpiVersion of the module
  /// MPI_Init_thread(FUNNELED), errors returned (MPI_ERRORS_RETURN), this rank and the size.
  int (*init)(int* argc, char*** argv, int* rank, int* size);
  int (*finalize)();
  int (*bcast)(void* data, int count, int type, int root);
  int (*send)(const void* data, int count, int type, int dest, int tag);
  int (*recv)(void* data, int count, int type, int source, int tag);
  int (*allgather)(const void* mine, void* all, int count, int type);
  int (*allreduce)(const void* in, void* out, int count, int type, int op);
  void (*abort)(int code);
};

/// The module's one exported symbol.
const RevsimMpi* revsim_mpi_table();
}

inline constexpr int kRevsimMpiVersion = 1;
inline constexpr const char* kRevsimMpiModule = "librevsim_mpi.so";
