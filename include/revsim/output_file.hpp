// Files written atomically: to a temporary file beside the target, then renamed, so that a
// failed or interrupted run never leaves a half-written output.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace revsim {

/// A file written in pieces and published by commit(): until then it is a temporary file
/// beside the target, removed if the object is destroyed first. A symbolic link is followed
/// (the file it names is replaced, the link stays); an existing file that is not a regular
/// file (/dev/null, /dev/full, a FIFO) is written in place, never replaced. Errors throw
/// std::runtime_error naming the target and the reason.
class AtomicFile {
 public:
  /// Ungated: a file only this process writes while the others carry on (an MPI run's
  /// checkpoint, written by rank 0 between segments), not the command's output.
  enum class Gate { output, ungated };
  explicit AtomicFile(std::string path, Gate gate = Gate::output);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::string_view data);  ///< buffered
  void commit();                      ///< flush, fsync, rename onto the target

 private:
  void flush();
  [[noreturn]] void fail(const char* what);
  std::string path_, target_, tmp_, buffer_;  // tmp_ empty: written in place
  int fd_ = -1;
  bool discard_ = false;  ///< the output gate said no: nothing is created or written
};

/// Asked before any AtomicFile is opened (issue 16, MPI: every rank first agrees that none
/// failed, and only rank 0 writes). It may throw (nothing is written) or return false: the file
/// is then neither created nor written, and commit() does nothing. Empty (the default): write.
/// The process's one hook: the command line's Ranks sets it (with its own state) for its
/// lifetime and clears it after.
using OutputGate = std::function<bool()>;
void set_output_gate(OutputGate gate);

/// Write `content` to `path` atomically. Throws std::runtime_error with the reason.
void write_file_atomically(const std::string& path, const std::string& content,
                           AtomicFile::Gate gate = AtomicFile::Gate::output);

/// The library's version, "MAJOR.MINOR.PATCH".
const char* version() noexcept;

}  // namespace revsim
