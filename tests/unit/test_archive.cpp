// The sealed archive that carries accumulator state between processes (sim/parallel/archive.hpp)
// and the split of trial blocks over ranks (Comm::share).
#include "../../sim/parallel/archive.hpp"
#include "../../sim/parallel/mpi_comm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace revsim {
namespace {

std::string sample_archive() {
  ArchiveWriter w;
  w.str("revsim-partial");
  w.u64(18446744073709551615ULL);
  w.i64(-7);
  w.f64(0.1 + 0.2);
  w.f64(-0.0);
  w.f64(std::numeric_limits<double>::denorm_min());
  w.vec(std::vector<double>{1.5, std::nan(""), 1e308});
  w.vec(std::vector<std::uint64_t>{0, 1, 42});
  w.vec(std::vector<int>{-1, 3});
  return w.seal();
}

TEST(Archive, RoundTripIsBitForBit) {
  const std::string a = sample_archive();
  ArchiveReader r(a, "part-0.bin");
  EXPECT_EQ(r.str(), "revsim-partial");
  EXPECT_EQ(r.u64(), 18446744073709551615ULL);
  EXPECT_EQ(r.i64(), -7);
  EXPECT_EQ(r.f64(), 0.1 + 0.2);  // 0.30000000000000004, not 0.3
  const double nz = r.f64();
  EXPECT_EQ(nz, 0.0);
  EXPECT_TRUE(std::signbit(nz));
  EXPECT_EQ(r.f64(), std::numeric_limits<double>::denorm_min());
  const auto d = r.vec<double>();
  ASSERT_EQ(d.size(), 3U);
  EXPECT_EQ(d[0], 1.5);
  EXPECT_TRUE(std::isnan(d[1]));
  EXPECT_EQ(d[2], 1e308);
  EXPECT_EQ(r.vec<std::uint64_t>(), (std::vector<std::uint64_t>{0, 1, 42}));
  EXPECT_EQ(r.vec<int>(), (std::vector<int>{-1, 3}));
  EXPECT_NO_THROW(r.expect_end());
}

TEST(Archive, LayoutIsLittleEndianWordsThenSha256) {
  ArchiveWriter w;
  w.u64(0x0102030405060708ULL);
  const std::string a = w.seal();
  ASSERT_EQ(a.size(), 8U + 32U);
  EXPECT_EQ(a.substr(0, 8), std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  // SHA-256 of the empty string, a published test vector.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Archive, VectorsAreTheirLengthThenOneLittleEndianWordPerElement) {
  // The bulk (memcpy) writer and reader keep the word layout of the file formats: a double bit
  // for bit, an integer widened to 64 bits (sign-extended when signed), whatever its width.
  ArchiveWriter w;
  w.vec(std::vector<double>{1.0, -0.0});
  w.vec(std::vector<int>{-2, 5});
  w.vec(std::vector<std::uint32_t>{0xFFFFFFFFU});
  w.vec(std::vector<std::int64_t>{-3});
  w.vec(std::vector<double>{});
  auto word = [](std::uint64_t v) {
    std::string b;
    for (int k = 0; k < 8; ++k) b += static_cast<char>((v >> (8 * k)) & 0xFFU);
    return b;
  };
  const std::string want = word(2) + word(0x3FF0000000000000ULL) + word(0x8000000000000000ULL) + word(2) +
                           word(0xFFFFFFFFFFFFFFFEULL) + word(5) + word(1) + word(0xFFFFFFFFULL) + word(1) +
                           word(0xFFFFFFFFFFFFFFFDULL) + word(0);
  EXPECT_EQ(w.content(), want);
  const std::string copy = w.seal();
  const std::string sealed = std::move(w).seal();  // in place: the same bytes
  EXPECT_EQ(sealed, copy);
  ASSERT_EQ(sealed.size(), want.size() + 32);
  ArchiveReader r(sealed, "vectors");
  EXPECT_EQ(r.vec<double>(), (std::vector<double>{1.0, -0.0}));
  EXPECT_EQ(r.vec<int>(), (std::vector<int>{-2, 5}));
  EXPECT_EQ(r.vec<std::uint32_t>(), (std::vector<std::uint32_t>{0xFFFFFFFFU}));
  EXPECT_EQ(r.vec<std::int64_t>(), (std::vector<std::int64_t>{-3}));
  EXPECT_TRUE(r.vec<double>().empty());
  EXPECT_NO_THROW(r.expect_end());
}

TEST(Archive, TruncatedCorruptedAndForeignBytesAreRefusedWithTheName) {
  const std::string a = sample_archive();
  for (const std::size_t keep : {std::size_t{0}, std::size_t{10}, a.size() - 1}) {
    try {
      ArchiveReader r(std::string_view(a).substr(0, keep), "part-2.bin");
      FAIL() << "accepted " << keep << " bytes";
    } catch (const ArchiveError& e) {
      EXPECT_NE(std::string(e.what()).find("part-2.bin: "), std::string::npos) << e.what();
    }
  }
  std::string flipped = a;
  flipped[20] = static_cast<char>(flipped[20] ^ 1);
  EXPECT_THROW(ArchiveReader(std::string_view(flipped), "x"), ArchiveError);
}

TEST(Archive, ReadingPastTheEndOrLeavingBytesIsAnError) {
  ArchiveWriter w;
  w.u64(3);
  const std::string a = w.seal();
  {
    ArchiveReader r(a, "short");
    EXPECT_THROW((void)r.vec<double>(), ArchiveError);  // claims 3 words, has none
  }
  {
    ArchiveReader r(a, "extra");
    EXPECT_THROW(r.expect_end(), ArchiveError);
  }
  ArchiveWriter huge;
  huge.u64(std::numeric_limits<std::uint64_t>::max());  // a length that would overflow n * 8
  const std::string sealed = huge.seal();  // the reader views these bytes: they must outlive it
  ArchiveReader r(sealed, "huge");
  EXPECT_THROW((void)r.vec<double>(), ArchiveError);
}

TEST(CommShare, WholeBlocksContiguousInRankOrderCoveringEachOnce) {
  for (const std::uint64_t blocks : {0ULL, 1ULL, 2ULL, 7ULL, 100ULL, 6104ULL}) {
    for (const int size : {1, 2, 3, 8}) {
      std::uint64_t next = 0;
      for (int r = 0; r < size; ++r) {
        const auto [lo, hi] = Comm::share(blocks, r, size);
        EXPECT_EQ(lo, next);
        EXPECT_LE(hi - lo, blocks / static_cast<std::uint64_t>(size) + 1);
        EXPECT_GE(hi - lo, blocks / static_cast<std::uint64_t>(size));
        next = hi;
      }
      EXPECT_EQ(next, blocks);
    }
  }
  // 7 blocks over 3 ranks: 3, 2, 2.
  EXPECT_EQ(Comm::share(7, 0, 3), (std::pair<std::uint64_t, std::uint64_t>{0, 3}));
  EXPECT_EQ(Comm::share(7, 1, 3), (std::pair<std::uint64_t, std::uint64_t>{3, 5}));
  EXPECT_EQ(Comm::share(7, 2, 3), (std::pair<std::uint64_t, std::uint64_t>{5, 7}));
}

}  // namespace
}  // namespace revsim
