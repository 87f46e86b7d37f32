#include "revsim/output_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <climits>
#include <cstdlib>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace revsim {

const char* version() noexcept { return REVSIM_VERSION; }

namespace {
constexpr std::size_t kBufferBytes = 1U << 20U;
OutputGate output_gate = nullptr;
}  // namespace

void set_output_gate(OutputGate gate) { output_gate = std::move(gate); }

AtomicFile::AtomicFile(std::string path, Gate gate) : path_(std::move(path)) {
  // The gate is a collective under MPI (every rank agrees before the first output): a file one
  // rank writes alone must not ask it, or that rank waits for the others forever.
  if (gate == Gate::output && output_gate && !output_gate()) {
    discard_ = true;
    return;
  }
  // Where the bytes go: a regular file (or a new one) is written beside itself and renamed; a
  // symbolic link to one is followed, so the link stays a link; anything else that exists (a
  // device such as /dev/null or /dev/full, a FIFO) is written in place: renaming over it would
  // replace it.
  std::string target = path_;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) {
      if (S_ISDIR(st.st_mode)) throw std::runtime_error(fmt::format("cannot write {}: {}", path_, std::strerror(EISDIR)));
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
      buffer_.reserve(kBufferBytes);
      return;
    }
    struct stat lst {};
    if (::lstat(path_.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
      char resolved[PATH_MAX];
      if (::realpath(path_.c_str(), resolved) != nullptr) target = resolved;
    }
  }
  target_ = target;
  tmp_ = fmt::format("{}.tmp.{}", target_, ::getpid());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
  buffer_.reserve(kBufferBytes);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }
}

void AtomicFile::fail(const char* what) {
  const std::string why = std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
  throw std::runtime_error(fmt::format("cannot {} {}: {}", what, path_, why));
}

void AtomicFile::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void AtomicFile::write(std::string_view data) {
  if (discard_) return;
  if (fd_ < 0) throw std::logic_error("AtomicFile::write after commit");
  buffer_.append(data);
  if (buffer_.size() >= kBufferBytes) flush();
}

void AtomicFile::commit() {
  if (discard_) return;
  if (fd_ < 0) throw std::logic_error("AtomicFile::commit twice");
  flush();
  if (!tmp_.empty() && ::fsync(fd_) != 0) fail("write");  // a device written in place may not sync
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("write");
  }
  fd_ = -1;
  if (tmp_.empty()) return;
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp_.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path_, why));
  }
}

void write_file_atomically(const std::string& path, const std::string& content, AtomicFile::Gate gate) {
  AtomicFile f(path, gate);
  f.write(content);
  f.commit();
}

}  // namespace revsim
