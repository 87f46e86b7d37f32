// librevsim_mpi.so: the MPI calls revsim makes (mpi_module.hpp), the only code that links MPI.
#include "mpi_module.hpp"

#include <mpi.h>

namespace {

MPI_Datatype type_of(int t) {
  switch (t) {
    case revsim_mpi_u64: return MPI_UNSIGNED_LONG_LONG;
    case revsim_mpi_int: return MPI_INT;
    case revsim_mpi_double: return MPI_DOUBLE;
    default: return MPI_CHAR;
  }
}

int init(int* argc, char*** argv, int* rank, int* size) {
  int provided = 0;
  int rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (rc != MPI_SUCCESS) return rc;
  // Errors come back as codes (revsim turns them into exceptions), not as a silent abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if ((rc = MPI_Comm_rank(MPI_COMM_WORLD, rank)) != MPI_SUCCESS) return rc;
  return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int finalize() { return MPI_Finalize(); }

int bcast(void* data, int count, int type, int root) { return MPI_Bcast(data, count, type_of(type), root, MPI_COMM_WORLD); }

int send(const void* data, int count, int type, int dest, int tag) {
  return MPI_Send(data, count, type_of(type), dest, tag, MPI_COMM_WORLD);
}

int recv(void* data, int count, int type, int source, int tag) {
  return MPI_Recv(data, count, type_of(type), source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int allgather(const void* mine, void* all, int count, int type) {
  return MPI_Allgather(mine, count, type_of(type), all, count, type_of(type), MPI_COMM_WORLD);
}

int allreduce(const void* in, void* out, int count, int type, int op) {
  return MPI_Allreduce(in, out, count, type_of(type), op == revsim_mpi_sum ? MPI_SUM : MPI_MIN, MPI_COMM_WORLD);
}

void abort_all(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

const RevsimMpi kTable{kRevsimMpiVersion, init, finalize, bcast, send, recv, allgather, allreduce, abort_all};

}  // namespace

extern "C" __attribute__((visibility("default"))) const RevsimMpi* revsim_mpi_table() { return &kTable; }
