// SHA-256 (sim/io/sha256.cpp) against the examples of FIPS 180-4 (NIST's "SHA256.pdf" example
// values) and the one-million-'a' vector, fed whole, byte by byte and in uneven pieces (the
// block boundary and the padding's 55/56/64-byte edges).
#include <gtest/gtest.h>

#include <string>

#include "../../sim/io/sha256.hpp"

namespace {

using revsim::detail::Sha256;

std::string hash(const std::string& s, std::size_t piece) {
  Sha256 h;
  for (std::size_t at = 0; at < s.size(); at += piece) h.update(s.data() + at, std::min(piece, s.size() - at));
  return revsim::detail::to_hex(h.digest());
}

TEST(Sha256, FipsExamples) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  for (const auto& [msg, want] : cases)
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{1000}})
      EXPECT_EQ(hash(msg, piece), want) << "'" << msg << "' in pieces of " << piece;
}

TEST(Sha256, OneMillionA) {
  const std::string a(1'000'000, 'a');
  EXPECT_EQ(hash(a, 1'000'000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(hash(a, 999), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingEdges) {
  // Lengths around the 56-byte padding limit and the 64-byte block: each against the value
  // computed with coreutils' sha256sum (printf '%*s' N '' | tr ' ' x | sha256sum).
  const std::pair<std::size_t, std::string> cases[] = {
      {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
      {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
      {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
      {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
      {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
  };
  for (const auto& [n, want] : cases) EXPECT_EQ(hash(std::string(n, 'x'), 13), want) << n << " bytes";
}

}  // namespace
