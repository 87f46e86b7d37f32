// Files written atomically: to a temporary file beside the target, then renamed, so that a
// failed or interrupted run never leaves a half-written output.
#pragma once

#include <string>

namespace revsim {

/// Write `content` to `path` atomically. Throws std::runtime_error with the reason.
void write_file_atomically(const std::string& path, const std::string& content);

/// The library's version, "MAJOR.MINOR.PATCH".
const char* version() noexcept;

}  // namespace revsim
