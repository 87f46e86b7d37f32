// A sealed binary archive: the bytes that carry accumulator state between processes (MPI ranks,
// shard files, checkpoints). Integers and doubles are written as little-endian 64-bit words, so a
// double comes back bit for bit; strings and vectors carry their length. seal() appends the
// SHA-256 of everything before it, and open() checks it first: a truncated, corrupted or
// foreign file is refused with its name and the reason, never half-read.
#pragma once

#include <algorithm>
#include <bit>
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

/// Ask the kernel to back the whole 2 MiB pages inside [p, p + bytes) with transparent huge
/// pages (Linux, THP in "madvise" mode; a no-op elsewhere and below 4 MiB). On the VMs measured
/// in docs/scale-out.md the first touch of fresh memory costs ~10 ms per MB in 4 KiB pages and
/// ~1 ms per MB in huge pages: the buffers that carry a run's samples between ranks (and the
/// samples themselves) are advised before they are written.
void advise_huge_pages(const void* p, std::size_t bytes) noexcept;
/// reserve(n) on a vector or string, then advise_huge_pages on its new room (when it grew).
template <class V>
void reserve_advised(V& v, std::size_t n) {
  if (n <= v.capacity()) return;
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(*v.data()));
}
/// Fault in the pages of [p, p + bytes) now, in one system call (Linux >= 5.14
/// MADV_POPULATE_WRITE; a no-op elsewhere, on an older kernel, and below 64 KiB), instead of
/// one page fault per 4 KiB page at first write: ~13 us each on the VMs measured (docs/performance.md,
/// "Round four"), ~7 us per page populated in bulk, and a fraction of that for huge pages.
/// Only for room that will be written: the pages are then resident.
void populate_pages(const void* p, std::size_t bytes) noexcept;
/// reserve_advised(v, n), then populate_pages on the room of n elements: for storage whose
/// final size is known (the exact samples of a run).
template <class V>
void reserve_populated(V& v, std::size_t n) {
  if (n <= v.capacity()) return;
  reserve_advised(v, n);
  populate_pages(v.data() + v.size(), (n - v.size()) * sizeof(*v.data()));
}

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
  /// A vector: its length, then one word per element (a double bit for bit, an integer widened
  /// to 64 bits, sign-extended when signed). Written in bulk: the words of 8-byte elements are
  /// their bytes on a little-endian machine (memcpy), narrower ones are widened in one pass.
  template <class T>
  void vec(const std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T> && sizeof(T) <= 8);
    u64(v.size());
    const std::size_t at = buf_.size();
    if (buf_.capacity() < at + 8 * v.size()) reserve_advised(buf_, std::max(2 * buf_.capacity(), at + 8 * v.size()));
    buf_.resize(at + 8 * v.size());
    char* out = buf_.data() + at;
    if constexpr (kLittleEndian && sizeof(T) == 8 && (std::is_same_v<T, double> || std::is_integral_v<T>)) {
      if (!v.empty()) std::memcpy(out, v.data(), 8 * v.size());
    } else {
      for (std::size_t k = 0; k < v.size(); ++k) put_word(out + 8 * k, word(v[k]));
    }
  }
  /// Room for `bytes` more bytes (a writer that knows its size copies its buffer once).
  void reserve(std::size_t bytes) { reserve_advised(buf_, buf_.size() + bytes); }
  /// The archive: its content followed by the SHA-256 of the content.
  std::string seal() const& { return buf_ + sha256_bytes(buf_); }
  /// The same without copying the content (the writer is left empty).
  std::string seal() && {
    reserve_advised(buf_, buf_.size() + 32);
    buf_ += sha256_bytes(buf_);
    return std::move(buf_);
  }
  const std::string& content() const noexcept { return buf_; }

 private:
  static constexpr bool kLittleEndian = std::endian::native == std::endian::little;
  template <class T>
  static std::uint64_t word(const T& x) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      const double d = static_cast<double>(x);
      std::uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      return bits;
    } else if constexpr (std::is_signed_v<T>) {
      return static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
    } else {
      return static_cast<std::uint64_t>(x);
    }
  }
  static void put_word(char* out, std::uint64_t v) noexcept {
    if constexpr (kLittleEndian) {
      std::memcpy(out, &v, 8);
    } else {
      for (int k = 0; k < 8; ++k) out[k] = static_cast<char>((v >> (8 * k)) & 0xFFU);
    }
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
    const std::uint64_t v = get_word(data_.data() + pos_);
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
  /// A vector written by ArchiveWriter::vec, read in bulk (memcpy of 8-byte elements on a
  /// little-endian machine).
  template <class T>
  std::vector<T> vec() {
    static_assert(std::is_arithmetic_v<T> && sizeof(T) <= 8);
    const std::uint64_t n = u64();
    need_words(n, "a vector");  // every element is one word
    std::vector<T> v;
    reserve_advised(v, n);
    v.resize(n);
    const char* in = data_.data() + pos_;
    if constexpr (std::endian::native == std::endian::little && sizeof(T) == 8 &&
                  (std::is_same_v<T, double> || std::is_integral_v<T>)) {
      if (n != 0) std::memcpy(v.data(), in, 8 * n);
    } else {
      for (std::uint64_t k = 0; k < n; ++k) {
        const std::uint64_t w = get_word(in + 8 * k);
        if constexpr (std::is_floating_point_v<T>) {
          double d = 0;
          std::memcpy(&d, &w, sizeof d);
          v[k] = static_cast<T>(d);
        } else if constexpr (std::is_signed_v<T>) {
          v[k] = static_cast<T>(static_cast<std::int64_t>(w));
        } else {
          v[k] = static_cast<T>(w);
        }
      }
    }
    pos_ += 8 * n;
    return v;
  }
  /// Everything has been read: anything left over means a format this reader does not know.
  void expect_end() const;
  const std::string& name() const noexcept { return name_; }

 private:
  static std::uint64_t get_word(const char* in) noexcept {
    std::uint64_t v = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&v, in, 8);
    } else {
      for (int k = 0; k < 8; ++k) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[k])) << (8 * k);
    }
    return v;
  }
  void need(std::uint64_t n, const char* what) const;
  void need_words(std::uint64_t n, const char* what) const;
  std::string_view data_;  ///< the content, without the seal
  std::string name_;
  std::size_t pos_ = 0;
};

}  // namespace revsim
