// The command line under MPI (ranks.hpp).
#include "ranks.hpp"

#include "revsim/engine.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace revsim::cli {

// The output gate (AtomicFile, write_stdout): before the first output every rank agrees that
// none failed (a collective: every rank reaches its first output at the same point, as every
// rank runs the same subcommand); afterwards only rank 0 writes.
bool Ranks::output_allowed() {
  if (!comm_->distributed()) return true;
  if (!agreed_) {
    agreed_ = true;
    const std::string e = comm_->first_error("");
    if (!e.empty()) throw RankFailed(e);
  }
  return comm_->root();
}

namespace {

/// Point descriptor `fd` at `path` (opened with `flags`), or at an anonymous temporary file.
void redirect(int fd, const char* path, int flags) {
  int to = -1;
  if (path != nullptr) {
    to = ::open(path, flags | O_CLOEXEC);
  } else if (std::FILE* f = std::tmpfile(); f != nullptr) {
    to = ::fileno(f);  // kept open for the life of the process
  }
  if (to >= 0 && to != fd) ::dup2(to, fd);
}

/// The last message this rank said on its (captured) stderr, without "revsim: " / "error: ".
std::string last_message() {
  std::fflush(stderr);
  std::string text;
  if (::lseek(STDERR_FILENO, 0, SEEK_SET) == 0) {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(STDERR_FILENO, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::string_view line(text);
  if (const auto nl = line.find_last_of('\n'); nl != std::string_view::npos) line.remove_prefix(nl + 1);
  for (std::string_view p : {"revsim: ", "error: "})
    if (line.substr(0, p.size()) == p) line.remove_prefix(p.size());
  return std::string(line);
}

}  // namespace

Ranks::Ranks(int& argc, char**& argv) : comm_(std::make_unique<Comm>(argc, argv)) {
  if (!comm_->distributed()) return;
  set_output_gate([this] { return output_allowed(); });
  // mpirun gives standard input to rank 0 only: a scenario read from '-' is sent to the others.
  bool from_stdin = false;
  for (int i = 1; i < argc; ++i) from_stdin = from_stdin || std::string_view(argv[i]) == "-";
  std::string text;
  if (from_stdin) {
    if (comm_->root()) {
      try {
        text = stdin_scenario_text();
      } catch (const std::exception&) {
        // Said by rank 0 when the subcommand loads '-' (the others then read an empty input).
      }
    }
    text = comm_->broadcast(text);
  }
  if (comm_->root()) return;
  if (from_stdin) {
    std::FILE* f = std::tmpfile();
    if (f != nullptr) {
      std::fwrite(text.data(), 1, text.size(), f);
      std::fflush(f);
      std::rewind(f);
      ::dup2(::fileno(f), STDIN_FILENO);
    }
  }
  redirect(STDOUT_FILENO, "/dev/null", O_WRONLY);
  redirect(STDERR_FILENO, nullptr, 0);
}

Ranks::~Ranks() {
  set_output_gate(nullptr);
}

int Ranks::finish(int status, bool quiet) {
  if (!comm_->distributed()) return status;
  if (agreed_) {
    if (status == 0 && !quiet && comm_->root())
      fmt::print(stderr, "revsim: {} ranks; rank 0 gathered {} bytes and broadcast {} bytes to each rank\n",
                 comm_->size(), comm_->bytes_gathered(), comm_->bytes_broadcast());
    return status;
  }
  agreed_ = true;
  std::string mine;
  if (status != 0) {
    mine = comm_->root() ? std::string("failed") : last_message();
    if (mine.empty()) mine = fmt::format("exit status {}", status);
  }
  const std::string first = comm_->first_error(mine);
  if (first.empty() || status != 0) return status;  // rank 0 said its own error already
  if (comm_->root()) fmt::print(stderr, "revsim: {}\n", first);
  return 1;
}

}  // namespace revsim::cli
