#include "archive.hpp"

#include "../io/sha256.hpp"

#include <fmt/format.h>

#include <array>
#include <memory>

#include <cstdint>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace revsim {

void advise_huge_pages(const void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20U;
  if (p == nullptr || bytes < kHuge) return;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (a + kHuge - 1) & ~(kHuge - 1), hi = (a + bytes) & ~(kHuge - 1);
  // Advice only: a kernel without THP refuses it, and the memory is then simply 4 KiB pages.
  if (hi > lo) (void)::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

void populate_pages(const void* p, std::size_t bytes) noexcept {
#if defined(__linux__)
#ifdef MADV_POPULATE_WRITE
  constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
  constexpr int kPopulateWrite = 23;  // Linux >= 5.14; an older kernel refuses it (EINVAL)
#endif
  if (p == nullptr || bytes < (std::size_t{64} << 10U)) return;
  // From the page holding p (the caller's allocation begins in it) to the end of the room.
  constexpr std::uintptr_t kPage = 4096;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = a & ~(kPage - 1);
  (void)::madvise(reinterpret_cast<void*>(lo), a + bytes - lo, kPopulateWrite);
#else
  (void)p;
  (void)bytes;
#endif
}

std::string sha256_bytes(std::string_view data) {
  detail::Sha256 h;
  h.update(data);
  const std::array<std::uint8_t, 32> d = h.digest();
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

std::string sha256_hex(std::string_view data) {
  detail::Sha256 h;
  h.update(data);
  return detail::to_hex(h.digest());
}

ArchiveReader::ArchiveReader(std::string_view sealed, std::string name) : name_(std::move(name)) {
  if (sealed.size() < 32)
    throw ArchiveError(fmt::format("{}: {} bytes: too short to be a revsim archive (truncated?)", name_, sealed.size()));
  data_ = sealed.substr(0, sealed.size() - 32);
  if (sha256_bytes(data_) != sealed.substr(sealed.size() - 32))
    throw ArchiveError(fmt::format("{}: checksum mismatch: the file is truncated, corrupted or not a revsim archive",
                                   name_));
}

void ArchiveReader::need(std::uint64_t n, const char* what) const {
  if (n > data_.size() - pos_)
    throw ArchiveError(fmt::format("{}: expected {} at byte {}, but the archive ends at byte {}", name_, what, pos_,
                                   data_.size()));
}

void ArchiveReader::need_words(std::uint64_t n, const char* what) const {
  if (n > (data_.size() - pos_) / 8)
    throw ArchiveError(fmt::format("{}: expected {} of {} words at byte {}, but the archive ends at byte {}", name_, what,
                                   n, pos_, data_.size()));
}

void ArchiveReader::expect_end() const {
  if (pos_ != data_.size())
    throw ArchiveError(fmt::format("{}: {} bytes left over at byte {}: written by another version of revsim?", name_,
                                   data_.size() - pos_, pos_));
}

}  // namespace revsim
