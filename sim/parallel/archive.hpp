// A sealed binary archive: the bytes that carry accumulator state between processes (MPI ranks,
// shard files, checkpoints). Integers and doubles are written as little-endian 64-bit words, so a
// double comes back bit for bit; strings and vectors carry their length. seal() appends the
// SHA-256 of everything before it, and open() checks it first: a truncated, corrupted or
// foreign file is refused with its name and the reason, never half-read.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace revsim {

/// Bytes that are not a sealed archive, or not the archive expected.
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// SHA-256 of `data` as 32 raw bytes.
std::string sha256_bytes(std::string_view data);
/// The same as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

class ArchiveWriter {
 public:
  void u64(std::uint64_t v) {
    char b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<char>((v >> (8 * k)) & 0xFFU);
    buf_.append(b, 8);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  void str(std::string_view s) {
    u64(s.size());
    buf_.append(s.data(), s.size());
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    u64(v.size());
    for (const T& x : v) put(x);
  }
  /// The archive: its content followed by the SHA-256 of the content.
  std::string seal() const { return buf_ + sha256_bytes(buf_); }
  const std::string& content() const noexcept { return buf_; }

 private:
  template <class T>
  void put(const T& x) {
    if constexpr (std::is_floating_point_v<T>) f64(static_cast<double>(x));
    else if constexpr (std::is_signed_v<T>) i64(static_cast<std::int64_t>(x));
    else u64(static_cast<std::uint64_t>(x));
  }
  std::string buf_;
};

class ArchiveReader {
 public:
  /// Check the seal of `sealed` (from ArchiveWriter::seal); `name` (a file, "rank 2") is used in
  /// messages. Throws ArchiveError when the bytes are too short or the checksum does not match.
  /// The reader keeps a view of `sealed`: the bytes must outlive it (a temporary is refused).
  ArchiveReader(std::string_view sealed, std::string name);
  ArchiveReader(std::string&& sealed, std::string name) = delete;

  std::uint64_t u64() {
    need(8, "a 64-bit word");
    std::uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + k])) << (8 * k);
    pos_ += 8;
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  double f64() {
    const std::uint64_t bits = u64();
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    need(n, "a string");
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const std::uint64_t n = u64();
    need_words(n, "a vector");  // every element is one word
    std::vector<T> v;
    v.reserve(n);
    for (std::uint64_t k = 0; k < n; ++k) {
      if constexpr (std::is_floating_point_v<T>) v.push_back(static_cast<T>(f64()));
      else if constexpr (std::is_signed_v<T>) v.push_back(static_cast<T>(i64()));
      else v.push_back(static_cast<T>(u64()));
    }
    return v;
  }
  /// Everything has been read: anything left over means a format this reader does not know.
  void expect_end() const;
  const std::string& name() const noexcept { return name_; }

 private:
  void need(std::uint64_t n, const char* what) const;
  void need_words(std::uint64_t n, const char* what) const;
  std::string_view data_;  ///< the content, without the seal
  std::string name_;
  std::size_t pos_ = 0;
};

}  // namespace revsim
