// The one definition of "the first mismatch": lowest offset, then lowest
// rank; ranks that found nothing never count, whatever their offset field.
#include "pfsbench/mismatch.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace pfsbench {
namespace {

RankMismatch at(std::uint64_t offset) {
  RankMismatch m;
  m.any = true;
  m.offset = offset;
  return m;
}

TEST(FirstMismatch, Table) {
  const RankMismatch none{};
  struct Case {
    std::vector<RankMismatch> ranks;
    std::optional<std::size_t> want;
  };
  const Case cases[] = {
      {{}, std::nullopt},
      {{none, none, none}, std::nullopt},
      {{none, at(4096), none}, 1},
      {{at(8192), at(4096), at(12288)}, 1},  // lowest offset, not lowest rank
      {{none, at(4096), at(4096)}, 1},       // equal offsets: lowest rank
      {{at(0), at(0)}, 0},                   // offset 0 is a real offset
      {{none, at(100), none, at(99)}, 3},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i)
    EXPECT_EQ(first_mismatch_rank(cases[i].ranks), cases[i].want) << "case " << i;
}

TEST(FirstMismatch, ARankWithoutMismatchIsSkippedEvenAtOffsetZero) {
  RankMismatch silent{};  // any = false, offset = 0
  EXPECT_EQ(first_mismatch_rank(std::vector<RankMismatch>{silent, at(1)}), 1u);
}

TEST(FirstMismatch, ToMismatchCopiesEveryField) {
  RankMismatch m = at(12345);
  m.expected = 0xab;
  m.found = 0x01;
  m.mismatched_bytes = 77;
  const Mismatch r = to_mismatch(m, 3, "/d/f");
  EXPECT_EQ(r.path, "/d/f");
  EXPECT_EQ(r.offset, 12345u);
  EXPECT_EQ(r.expected, 0xabu);
  EXPECT_EQ(r.found, 0x01u);
  EXPECT_EQ(r.mismatched_bytes, 77u);
  EXPECT_EQ(r.rank, 3);
}

}  // namespace
}  // namespace pfsbench
