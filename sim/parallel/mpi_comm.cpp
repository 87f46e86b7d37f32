#include "mpi_comm.hpp"

#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "archive.hpp"  // reserve_advised

#ifdef REVSIM_MPI
#include <mpi.h>
#endif

namespace revsim {

bool launched_by_mpi() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

std::string Comm::first_error(const std::string& error) const {
  if (size_ == 1) return error;
  if (all_ok(error.empty())) return {};
  const std::vector<std::string> all = gather(error);
  std::string first;
  for (std::size_t r = 0; r < all.size(); ++r)
    if (!all[r].empty()) {
      first = "rank " + std::to_string(r) + ": " + all[r];
      break;
    }
  return broadcast(first);
}

#ifdef REVSIM_MPI

namespace {
// MPI counts are int: larger messages go in pieces of at most 1 GiB.
constexpr std::size_t kPiece = std::size_t{1} << 30U;

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}
}  // namespace

bool built_with_mpi() noexcept { return true; }

Comm::Comm(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  initialised_ = true;
  // Errors come back as codes (turned into exceptions above), not as a silent abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

Comm::~Comm() {
  if (initialised_) MPI_Finalize();
}

std::string Comm::broadcast(const std::string& bytes) const {
  if (size_ == 1) return bytes;
  unsigned long long n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD), "MPI_Bcast");
  broadcast_bytes_ += n;
  std::string out = rank_ == 0 ? bytes : std::string(n, '\0');
  for (std::size_t at = 0; at < n; at += kPiece) {
    const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
    check(MPI_Bcast(out.data() + at, len, MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
  return out;
}

std::vector<std::string> Comm::gather(const std::string& bytes) const {
  if (size_ == 1) return {bytes};
  // Point to point to rank 0, in rank order: sizes first, then the bytes in pieces.
  std::vector<std::string> out;
  if (rank_ != 0) {
    unsigned long long n = bytes.size();
    gathered_bytes_ += n;
    check(MPI_Send(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, 1, MPI_COMM_WORLD), "MPI_Send");
    for (std::size_t at = 0; at < n; at += kPiece) {
      const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
      check(MPI_Send(bytes.data() + at, len, MPI_CHAR, 0, 2, MPI_COMM_WORLD), "MPI_Send");
    }
    return out;
  }
  out.push_back(bytes);
  for (int r = 1; r < size_; ++r) {
    unsigned long long n = 0;
    check(MPI_Recv(&n, 1, MPI_UNSIGNED_LONG_LONG, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    gathered_bytes_ += n;
    std::string b(n, '\0');
    for (std::size_t at = 0; at < n; at += kPiece) {
      const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
      check(MPI_Recv(b.data() + at, len, MPI_CHAR, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    }
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::string> Comm::allgather(std::string bytes) const {
  std::vector<std::string> out(static_cast<std::size_t>(size_));
  if (size_ == 1) {
    out[0] = std::move(bytes);
    return out;
  }
  // The sizes, then each rank's bytes broadcast from it in turn (pieces of at most 1 GiB): every
  // rank receives the others' bytes once, as a broadcast of the merged state would have cost.
  std::vector<unsigned long long> n(out.size());
  unsigned long long mine = bytes.size();
  check(MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, n.data(), 1, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD),
        "MPI_Allgather");
  out[static_cast<std::size_t>(rank_)] = std::move(bytes);
  for (int r = 0; r < size_; ++r) {
    std::string& b = out[static_cast<std::size_t>(r)];
    if (r == rank_)
      broadcast_bytes_ += n[static_cast<std::size_t>(r)];
    else {
      gathered_bytes_ += n[static_cast<std::size_t>(r)];
      reserve_advised(b, n[static_cast<std::size_t>(r)]);
      b.resize(n[static_cast<std::size_t>(r)]);
    }
    for (std::size_t at = 0; at < b.size(); at += kPiece) {
      const auto len = static_cast<int>(std::min<std::size_t>(kPiece, b.size() - at));
      check(MPI_Bcast(b.data() + at, len, MPI_CHAR, r, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }
  return out;
}

bool Comm::all_ok(bool ok) const {
  if (size_ == 1) return ok;
  int mine = ok ? 1 : 0;
  int all = 0;
  check(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return all == 1;
}

double Comm::sum(double v) const {
  if (size_ == 1) return v;
  double out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
  return out;
}

void Comm::abort(int code) const {
  if (initialised_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else

bool built_with_mpi() noexcept { return false; }

Comm::Comm(int& /*argc*/, char**& /*argv*/) {}
Comm::~Comm() = default;
std::string Comm::broadcast(const std::string& bytes) const { return bytes; }
std::vector<std::string> Comm::gather(const std::string& bytes) const { return {bytes}; }
std::vector<std::string> Comm::allgather(std::string bytes) const {
  std::vector<std::string> out;
  out.push_back(std::move(bytes));
  return out;
}
bool Comm::all_ok(bool ok) const { return ok; }
double Comm::sum(double v) const { return v; }
void Comm::abort(int code) const { std::exit(code); }

#endif

}  // namespace revsim
