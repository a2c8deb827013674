// Guards offset generation: sequential order with wrap-around, and random
// orders that hit every block exactly once per pass (so a random write of
// --size covers the region and --verify can check all of it).
#include "offsets.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace pfsbench::dio_batch {
namespace {

TEST(Offsets, SequentialExact) {
  OffsetGenerator g(1 << 20, 32768, 4, false);
  const std::vector<std::uint64_t> want = {1048576, 1081344, 1114112, 1146880, 1048576, 1081344};
  for (auto w : want) EXPECT_EQ(g.next(), w);
  EXPECT_EQ(g.issued(), 6u);
}

TEST(Offsets, SingleBlock) {
  OffsetGenerator seq(0, 4096, 1, false), rnd(0, 4096, 1, true, 7);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(seq.next(), 0u);
    EXPECT_EQ(rnd.next(), 0u);
  }
}

class RandomPermutation : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RandomPermutation, EveryBlockOncePerPass) {
  const std::uint64_t blocks = GetParam();
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xdeadbeefull}) {
    OffsetGenerator g(8192, 512, blocks, true, seed);
    for (int pass = 0; pass < 2; ++pass) {
      std::set<std::uint64_t> seen;
      for (std::uint64_t i = 0; i < blocks; ++i) {
        const auto off = g.next();
        EXPECT_EQ((off - 8192) % 512, 0u);
        EXPECT_GE(off, 8192u);
        EXPECT_LT(off, 8192 + blocks * 512);
        seen.insert(off);
      }
      EXPECT_EQ(seen.size(), blocks) << "blocks=" << blocks << " seed=" << seed << " pass=" << pass;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, RandomPermutation, ::testing::Values(2, 3, 4, 5, 7, 8, 100, 1000, 4096, 5000));

TEST(Offsets, RandomIsNotSequential) {
  OffsetGenerator g(0, 4096, 1024, true, 3);
  std::vector<std::uint64_t> v;
  for (int i = 0; i < 1024; ++i) v.push_back(g.next());
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));
}

TEST(Offsets, SeedsGiveDifferentOrders) {
  OffsetGenerator a(0, 4096, 1024, true, 1), b(0, 4096, 1024, true, 2);
  int same = 0;
  for (int i = 0; i < 1024; ++i) same += a.next() == b.next();
  EXPECT_LT(same, 64);
}

TEST(Offsets, SameSeedSameOrder) {
  OffsetGenerator a(0, 4096, 777, true, 9), b(0, 4096, 777, true, 9);
  for (int i = 0; i < 2000; ++i) EXPECT_EQ(a.next(), b.next());
}

}  // namespace
}  // namespace pfsbench::dio_batch
