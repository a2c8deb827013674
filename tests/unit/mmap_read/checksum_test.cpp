// The touch loops and the pattern's expected sums, against naive versions.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "checksum.hpp"

namespace pfsbench::mmap_read {
namespace {

std::uint64_t naive_sum(const std::vector<std::byte>& b, std::size_t from, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, b.data() + from + i, std::min<std::size_t>(8, n - i));
    s += w;
  }
  return s;
}

TEST(Sum64, MatchesAWordByWordSumForAllTails) {
  std::vector<std::byte> b(1000);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i * 37 + 11);
  for (std::size_t n = 0; n <= 300; ++n) ASSERT_EQ(sum64(b.data(), n), naive_sum(b, 0, n)) << n;
  for (std::size_t from : {1u, 3u, 8u, 17u}) EXPECT_EQ(sum64(b.data() + from, 500), naive_sum(b, from, 500));
}

TEST(Sum64, ExactSmallValues) {
  std::vector<std::byte> b(16, std::byte{0});
  b[0] = std::byte{1};
  b[8] = std::byte{2};
  b[15] = std::byte{1};  // 2^56 in the second word
  EXPECT_EQ(sum64(b.data(), 16), 3u + (1ull << 56));
  EXPECT_EQ(sum64(b.data(), 9), 3u);  // partial word zero-padded
}

TEST(Sum64, IsAdditiveOverWordAlignedPieces) {
  std::vector<std::byte> b(4096 * 3 + 5);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i ^ (i >> 7));
  const std::uint64_t whole = sum64(b.data(), b.size());
  EXPECT_EQ(sum64(b.data(), 4096) + sum64(b.data() + 4096, 8192) + sum64(b.data() + 12288, 5), whole);
}

TEST(TouchPages, LoadsOneBytePerPage) {
  std::vector<std::byte> b(3 * 4096 + 1, std::byte{0});
  b[0] = std::byte{1};
  b[4096] = std::byte{2};
  b[8192] = std::byte{4};
  b[12288] = std::byte{8};
  b[5] = std::byte{100};  // not a page's first byte: not loaded
  EXPECT_EQ(touch_pages(b.data(), b.size(), 4096), 15u);
}

TEST(PatternSum, EqualsTheSumOfTheGeneratedPattern) {
  const DataPattern pattern(1234);
  const PatternSum expected(pattern);
  std::vector<std::byte> buf;
  struct Case {
    std::uint64_t offset, length;
  };
  for (const Case c : {Case{0, 4096}, Case{0, 1}, Case{0, 4097}, Case{8, 100}, Case{4096, 3 * 4096},
                       Case{1 << 20, 16 << 20}, Case{4088, 16}, Case{12288, 4096 * 5 + 3}, Case{(1ull << 40), 8192}}) {
    buf.resize(c.length);
    pattern.fill(buf, c.offset);
    EXPECT_EQ(expected.range(c.offset, c.length), sum64(buf.data(), buf.size())) << c.offset << "+" << c.length;
  }
}

TEST(PatternSum, DependsOnOffsetAndSeed) {
  const DataPattern a(1), b(2);
  const PatternSum sa(a), sb(b);
  EXPECT_NE(sa.range(0, 4096), sa.range(4096, 4096));  // the stamp word differs
  EXPECT_NE(sa.range(0, 4096), sb.range(0, 4096));
}

}  // namespace
}  // namespace pfsbench::mmap_read
