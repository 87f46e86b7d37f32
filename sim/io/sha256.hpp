// SHA-256 (FIPS 180-4): the hashes of scenario files in report manifests and partial files, and
// of archive payloads. A few dozen lines, so that no cryptography library is loaded at every
// start for them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace revsim::detail {

/// Incremental SHA-256: update() any number of times, then digest() once.
class Sha256 {
 public:
  Sha256() noexcept;
  void update(const void* data, std::size_t n) noexcept;
  void update(std::string_view s) noexcept { update(s.data(), s.size()); }
  /// The 32-byte digest; the object is spent afterwards.
  std::array<std::uint8_t, 32> digest() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t used_ = 0;      ///< bytes in buf_
  std::uint64_t length_ = 0;  ///< message bytes so far
};

/// Lower-case hexadecimal of a digest.
std::string to_hex(const std::array<std::uint8_t, 32>& d);

}  // namespace revsim::detail
