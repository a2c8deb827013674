// Data patterns (pattern.hpp). The pattern is a data-format contract: files
// written by one build are verified by another, so the first test pins the
// definition against an independent reference implementation of it.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pfsbench/pattern.hpp"

namespace pfsbench {
namespace {

constexpr std::size_t kB = DataPattern::kBlock;

// The definition in pattern.hpp, written out independently: word k is
// (8k) ^ key for k % 512 == 0, base[k % 512] otherwise; key and base come
// from one splitmix64 stream of the seed (key first, then base[0..511]).
struct ReferencePattern {
  std::uint64_t key;
  std::uint64_t base[512];
  explicit ReferencePattern(std::uint64_t seed) {
    std::uint64_t s = seed;
    auto next = [&s] {
      std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      return z ^ (z >> 31);
    };
    key = next();
    for (auto& w : base) w = next();
  }
  std::uint8_t byte_at(std::uint64_t off) const {
    const std::uint64_t k = off / 8;
    const std::uint64_t w = (k % 512 == 0) ? (8 * k) ^ key : base[k % 512];
    return static_cast<std::uint8_t>(w >> (8 * (off % 8)));  // little-endian
  }
};

std::vector<std::byte> filled(const DataPattern& p, std::uint64_t offset, std::size_t len) {
  std::vector<std::byte> buf(len, std::byte{0xEE});
  p.fill(buf, offset);
  return buf;
}

const std::vector<std::uint64_t> kOffsets = {0,     1,     3,          7,          8,          9,
                                             4088,  4095,  4096,       4097,       4104,       8191,
                                             12288, 40000, 1ull << 32, (1ull << 40) + 5, (1ull << 62) + 4096 - 3};
const std::vector<std::size_t> kLengths = {0, 1, 5, 7, 8, 9, 15, 16, 4095, 4096, 4097, 4100, 8192, 3 * kB + 13};

TEST(DataPattern, MatchesTheDocumentedDefinition) {
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xdeadbeefcafef00dull}) {
    const DataPattern p(seed);
    const ReferencePattern ref(seed);
    for (std::uint64_t off : kOffsets)
      for (std::uint64_t i = 0; i < 64; ++i) ASSERT_EQ(p.byte_at(off + i), ref.byte_at(off + i)) << seed << " " << off + i;
    // Pinned literal: seed 0, offset 0..7 is the first splitmix64 output (the key) XOR 0.
    if (seed == 0) {
      std::uint64_t w0 = 0;
      for (int i = 0; i < 8; ++i) w0 |= static_cast<std::uint64_t>(p.byte_at(static_cast<std::uint64_t>(i))) << (8 * i);
      EXPECT_EQ(w0, 0xe220a8397b1dcdafull);
    }
  }
}

TEST(DataPattern, StampsTheOffsetIntoEvery4KiB) {
  const DataPattern p(11);
  auto word = [&](std::uint64_t off) {
    std::uint64_t w = 0;
    for (int i = 0; i < 8; ++i) w |= static_cast<std::uint64_t>(p.byte_at(off + static_cast<std::uint64_t>(i))) << (8 * i);
    return w;
  };
  for (std::uint64_t blk : {1ull, 2ull, 3ull, 1000ull, 1ull << 30}) {
    EXPECT_EQ(word(blk * kB) ^ word(0), blk * kB);   // stamp(k) ^ stamp(0) = 8k
    EXPECT_EQ(word(blk * kB + 8), word(8));           // the base repeats every 4 KiB
    EXPECT_EQ(word(blk * kB + 4088), word(4088));
  }
}

TEST(DataPattern, FillEqualsByteAtForAnyOffsetAndLength) {
  const DataPattern p(123);
  for (std::uint64_t off : kOffsets)
    for (std::size_t len : kLengths) {
      SCOPED_TRACE(::testing::Message() << "offset " << off << " length " << len);
      const auto buf = filled(p, off, len);
      for (std::size_t i = 0; i < len; ++i)
        ASSERT_EQ(static_cast<std::uint8_t>(buf[i]), p.byte_at(off + i)) << "byte " << i;
    }
}

TEST(DataPattern, FillWritesOnlyItsSpan) {
  const DataPattern p(5);
  std::vector<std::byte> buf(100, std::byte{0xEE});
  p.fill(std::span<std::byte>(buf).subspan(3, 90), 4093);
  for (std::size_t i : {0u, 1u, 2u, 93u, 99u}) EXPECT_EQ(buf[i], std::byte{0xEE}) << i;
  for (std::size_t i = 3; i < 93; ++i) ASSERT_EQ(static_cast<std::uint8_t>(buf[i]), p.byte_at(4093 + i - 3));
}

TEST(DataPattern, RestampEqualsAFullFillForTheSame4KiBPhase) {
  const DataPattern p(77);
  struct Case {
    std::uint64_t from, to;
    std::size_t len;
  };
  const std::vector<Case> cases = {
      {0, 4096, 4096},          {0, 1ull << 40, 16 * kB},     {8192, 0, 3 * kB},
      {8, 4096 * 9 + 8, 10000},  // phase 8: first stamp inside the buffer
      {4000, 4000 + 7 * kB, 9000},
      {0, 8192, kB + 4},         // the last stamp word is cut by the end of the buffer
      {4088, 4088 + kB, kB + 8}, // a stamp word at relative offset 8
      {0, 5 * kB, 100},          // shorter than a block
      {16, 16 + kB, 4080},       // no stamp inside at all
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.from << " -> " << c.to << " len " << c.len);
    auto buf = filled(p, c.from, c.len);
    p.restamp(buf, c.to);
    EXPECT_EQ(buf, filled(p, c.to, c.len));
  }
}

TEST(PatternBuffer, PrepareAlwaysHoldsThePatternOfTheOffset) {
  const DataPattern p(9);
  std::vector<std::byte> storage(3 * kB + 40);
  PatternBuffer pb(p, storage);
  // Same phase (restamp path), other phase (full fill), unaligned offsets,
  // and back again: each result equals a fresh fill.
  for (std::uint64_t off : {0ull, 4096ull, 1ull << 33, 8ull, 8200ull, 3ull, 4099ull, 0ull, 12345678ull * 4096,
                            (1ull << 33) + 8}) {
    SCOPED_TRACE(off);
    const auto view = pb.prepare(off);
    EXPECT_EQ(view.data(), storage.data());
    EXPECT_EQ(view.size(), storage.size());
    EXPECT_EQ(storage, filled(p, off, storage.size()));
  }
}

TEST(DataPattern, CheckAcceptsMatchingData) {
  const DataPattern p(31);
  for (std::uint64_t off : kOffsets)
    for (std::size_t len : kLengths) {
      const auto buf = filled(p, off, len);
      const auto r = p.check(buf, off);
      ASSERT_TRUE(r.ok) << off << " " << len;
      ASSERT_EQ(r.bad_bytes, 0u);
    }
}

TEST(DataPattern, CheckFindsOneCorruptByteAtItsExactOffset) {
  const DataPattern p(31);
  for (std::uint64_t off : {0ull, 5ull, 4096ull, 1ull << 36}) {
    const std::size_t len = 2 * kB + 21;
    // Positions in the stamp word, the base, around block boundaries and the tail.
    for (std::size_t i : {0ul, 1ul, 7ul, 8ul, 100ul, 4095ul, 4096ul, 4097ul, 4103ul, 4104ul, len - 9, len - 1}) {
      auto buf = filled(p, off, len);
      const auto good = static_cast<std::uint8_t>(buf[i]);
      const auto bad = static_cast<std::uint8_t>(good ^ 0x10);
      buf[i] = std::byte{bad};
      const auto r = p.check(buf, off);
      SCOPED_TRACE(::testing::Message() << "offset " << off << " byte " << i);
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.first_bad_offset, off + i);
      EXPECT_EQ(r.expected, good);
      EXPECT_EQ(r.found, bad);
      EXPECT_EQ(r.bad_bytes, 1u);
    }
  }
}

TEST(DataPattern, CheckCountsEveryBadByteAndReportsTheFirst) {
  const DataPattern p(2);
  const std::uint64_t off = 3 * kB;
  auto buf = filled(p, off, 4 * kB);
  for (std::size_t i : {5000ul, 77ul, 9000ul}) buf[i] = ~buf[i];
  std::memset(buf.data() + 12000, 0, 16);  // plus a zeroed run
  std::size_t zeroed_bad = 0;
  for (std::size_t i = 12000; i < 12016; ++i) zeroed_bad += p.byte_at(off + i) != 0;
  const auto r = p.check(buf, off);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_offset, off + 77);
  EXPECT_EQ(r.bad_bytes, 3 + zeroed_bad);
}

TEST(DataPattern, BlockAtTheWrongOffsetFails) {
  const DataPattern p(1234);
  // A correct 4 KiB block copied to the next block: only its stamp differs.
  const auto block = filled(p, 8192, kB);
  const auto r = p.check(block, 12288);
  EXPECT_FALSE(r.ok);
  EXPECT_GE(r.first_bad_offset, 12288u);
  EXPECT_LT(r.first_bad_offset, 12288u + 8);  // found in the stamp word
  EXPECT_GE(r.bad_bytes, 1u);
  // Also for a block misplaced by a multiple of a large power of two.
  const auto far = filled(p, 0, 4 * kB);
  EXPECT_FALSE(p.check(far, 1ull << 40).ok);
  // Shifted by 8 bytes inside the file: everything moves, nearly all bytes bad.
  const auto shifted = filled(p, 8, 2 * kB);
  const auto rs = p.check(shifted, 0);
  EXPECT_FALSE(rs.ok);
  EXPECT_GT(rs.bad_bytes, kB);
}

TEST(DataPattern, ZeroedAndStaleBlocksFail) {
  const DataPattern p(8);
  const std::vector<std::byte> zeros(kB, std::byte{0});
  const auto rz = p.check(zeros, 0);
  EXPECT_FALSE(rz.ok);
  EXPECT_GT(rz.bad_bytes, kB * 9 / 10);
  // Data of another seed (a stale file of another run) fails everywhere.
  const DataPattern other(9);
  const auto stale = filled(other, 4096, 2 * kB);
  const auto rs = p.check(stale, 4096);
  EXPECT_FALSE(rs.ok);
  EXPECT_EQ(rs.first_bad_offset, 4096u);
}

TEST(DataPattern, DifferentSeedsDiffer) {
  const auto a = filled(DataPattern(1), 0, 4 * kB);
  const auto b = filled(DataPattern(2), 0, 4 * kB);
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, a.size() / 50);  // random bytes agree about 1 in 256
  EXPECT_EQ(DataPattern(3).seed(), 3u);
}

TEST(DataPattern, EmptyBufferChecksOk) {
  const DataPattern p(1);
  EXPECT_TRUE(p.check({}, 12345).ok);
}

}  // namespace
}  // namespace pfsbench
