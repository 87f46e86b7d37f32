#include "mpi_comm.hpp"

#include <cstdlib>
#include <limits>
#include <stdexcept>

#include "archive.hpp"  // reserve_advised

#ifdef REVSIM_MPI
#include "mpi_module.hpp"

#include <fmt/format.h>

#include <dlfcn.h>
#include <unistd.h>
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

/// The MPI module's table, loaded by the first Comm that needs it (mpi_module.hpp).
const RevsimMpi* mpi = nullptr;

void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

/// The directory of the running executable, with a trailing '/' ("" when unknown).
std::string executable_dir() {
  std::string buf(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  buf.resize(static_cast<std::size_t>(n));
  const auto slash = buf.rfind('/');
  return slash == std::string::npos ? std::string() : buf.substr(0, slash + 1);
}

/// $REVSIM_MPI_MODULE when set (that file only); otherwise librevsim_mpi.so next to the
/// executable (where the build puts it), else where this build put it.
const RevsimMpi* load_module() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("REVSIM_MPI_MODULE"); env != nullptr && *env != '\0')
    paths.emplace_back(env);
  else
    paths = {executable_dir() + kRevsimMpiModule, REVSIM_MPI_MODULE_PATH};
  std::string errors;
  for (const std::string& path : paths) {
    // RTLD_GLOBAL: Open MPI's own components, which it loads with dlopen, see libmpi's symbols.
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    if (h == nullptr) {
      const char* e = ::dlerror();
      errors += fmt::format("\n  {}", e != nullptr ? e : path);
      continue;
    }
    using Table = const RevsimMpi* (*)();
    auto table = reinterpret_cast<Table>(::dlsym(h, "revsim_mpi_table"));
    if (table == nullptr || table()->version != kRevsimMpiVersion) {
      errors += fmt::format("\n  {}: not revsim's MPI module of this version", path);
      continue;
    }
    return table();
  }
  throw std::runtime_error(fmt::format(
      "started by an MPI launcher (mpirun, mpiexec or srun), but revsim's MPI module {} could not be loaded "
      "(rebuild with -DREVSIM_MPI=ON and keep it next to the executable, or name it in REVSIM_MPI_MODULE):{}",
      kRevsimMpiModule, errors));
}
}  // namespace

bool built_with_mpi() noexcept { return true; }

Comm::Comm(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  if (mpi == nullptr) mpi = load_module();
  check(mpi->init(&argc, &argv, &rank_, &size_), "MPI_Init_thread");
  initialised_ = true;
}

Comm::~Comm() {
  if (initialised_) mpi->finalize();
}

std::string Comm::broadcast(const std::string& bytes) const {
  if (size_ == 1) return bytes;
  unsigned long long n = bytes.size();
  check(mpi->bcast(&n, 1, revsim_mpi_u64, 0), "MPI_Bcast");
  broadcast_bytes_ += n;
  std::string out = rank_ == 0 ? bytes : std::string(n, '\0');
  for (std::size_t at = 0; at < n; at += kPiece) {
    const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
    check(mpi->bcast(out.data() + at, len, revsim_mpi_char, 0), "MPI_Bcast");
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
    check(mpi->send(&n, 1, revsim_mpi_u64, 0, 1), "MPI_Send");
    for (std::size_t at = 0; at < n; at += kPiece) {
      const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
      check(mpi->send(bytes.data() + at, len, revsim_mpi_char, 0, 2), "MPI_Send");
    }
    return out;
  }
  out.push_back(bytes);
  for (int r = 1; r < size_; ++r) {
    unsigned long long n = 0;
    check(mpi->recv(&n, 1, revsim_mpi_u64, r, 1), "MPI_Recv");
    gathered_bytes_ += n;
    std::string b(n, '\0');
    for (std::size_t at = 0; at < n; at += kPiece) {
      const auto len = static_cast<int>(std::min<std::size_t>(kPiece, n - at));
      check(mpi->recv(b.data() + at, len, revsim_mpi_char, r, 2), "MPI_Recv");
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
  check(mpi->allgather(&mine, n.data(), 1, revsim_mpi_u64), "MPI_Allgather");
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
      check(mpi->bcast(b.data() + at, len, revsim_mpi_char, r), "MPI_Bcast");
    }
  }
  return out;
}

bool Comm::all_ok(bool ok) const {
  if (size_ == 1) return ok;
  int mine = ok ? 1 : 0;
  int all = 0;
  check(mpi->allreduce(&mine, &all, 1, revsim_mpi_int, revsim_mpi_min), "MPI_Allreduce");
  return all == 1;
}

double Comm::sum(double v) const {
  if (size_ == 1) return v;
  double out = 0;
  check(mpi->allreduce(&v, &out, 1, revsim_mpi_double, revsim_mpi_sum), "MPI_Allreduce");
  return out;
}

void Comm::abort(int code) const {
  if (initialised_) mpi->abort(code);
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
