// Struct gathers and integer reductions of core/mpi and rank_stats at 1, 2
// and 4 ranks: every value is built from the rank number, so each expected
// result is exact.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "pfsbench/mpi.hpp"
#include "pfsbench/rank_stats.hpp"

namespace pfsbench {
namespace {

struct Record {
  double seconds;
  std::uint64_t bytes;
  std::uint32_t code;
  bool flag;
};

TEST(CommGather, OneStructPerRankArrivesWholeInRankOrder) {
  const Comm comm;
  const Record mine{comm.rank() * 0.5, 1000u + static_cast<std::uint64_t>(comm.rank()),
                    static_cast<std::uint32_t>(comm.rank() * 3), comm.rank() % 2 == 1};
  const std::vector<Record> all = comm.gather_struct(mine);
  if (!comm.is_root()) {
    EXPECT_TRUE(all.empty());
    return;
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(comm.size()));
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_EQ(all[r].seconds, r * 0.5);
    EXPECT_EQ(all[r].bytes, 1000u + static_cast<std::uint64_t>(r));
    EXPECT_EQ(all[r].code, static_cast<std::uint32_t>(r * 3));
    EXPECT_EQ(all[r].flag, r % 2 == 1);
  }
}

TEST(CommGather, SeveralStructsPerRankKeepRankThenIndexOrder) {
  const Comm comm;
  std::array<Record, 3> mine{};
  for (std::size_t i = 0; i < mine.size(); ++i) mine[i].bytes = static_cast<std::uint64_t>(comm.rank()) * 10 + i;
  const std::vector<Record> all = comm.gather_structs(std::span<const Record>(mine));
  if (!comm.is_root()) return;
  ASSERT_EQ(all.size(), 3u * static_cast<std::size_t>(comm.size()));
  for (std::size_t k = 0; k < all.size(); ++k) EXPECT_EQ(all[k].bytes, (k / 3) * 10 + k % 3) << k;
}

TEST(CommReduce, IntegerMinAndMax) {
  const Comm comm;
  const auto r = static_cast<std::uint64_t>(comm.rank());
  EXPECT_EQ(comm.allreduce_min(100 + r), 100u);
  EXPECT_EQ(comm.allreduce_max(100 + r), 100u + static_cast<std::uint64_t>(comm.size() - 1));
  // Larger than 2^53: an integer reduction, not one through double.
  const std::uint64_t big = (1ull << 60) + 1;
  EXPECT_EQ(comm.allreduce_min(big + r), big);
  std::vector<std::uint64_t> v = {5 + r, 50 - r, 7};
  comm.allreduce_min(v);
  EXPECT_EQ(v, (std::vector<std::uint64_t>{5, 50 - static_cast<std::uint64_t>(comm.size() - 1), 7}));
}

TEST(CommBcast, IntFromRootReachesEveryRank) {
  const Comm comm;
  int v = comm.is_root() ? 42 : -comm.rank();
  comm.bcast(v);
  EXPECT_EQ(v, 42);
}

TEST(FirstMismatchGather, LowestOffsetThenLowestRankOverRanks) {
  const Comm comm;
  // Every rank but 0 finds a mismatch; offsets repeat every two ranks, so
  // the lowest offset (4096) is found by ranks 1 and 3: rank 1 wins.
  RankMismatch mine;
  if (comm.rank() > 0) {
    mine.any = true;
    mine.offset = comm.rank() % 2 == 1 ? 4096 : 8192;
    mine.expected = 0x10u + static_cast<std::uint32_t>(comm.rank());
    mine.mismatched_bytes = static_cast<std::uint64_t>(comm.rank());
  }
  const auto first = gather_first_mismatch(comm, mine);
  if (!comm.is_root() || comm.size() == 1) {
    EXPECT_FALSE(first.has_value());
    return;
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->rank, 1);
  EXPECT_EQ(first->mismatch.offset, 4096u);
  EXPECT_EQ(first->mismatch.expected, 0x11u);
  EXPECT_EQ(first->mismatch.mismatched_bytes, 1u);
}

TEST(FirstMismatchGather, NoneWhenNoRankFoundOne) {
  const Comm comm;
  EXPECT_FALSE(gather_first_mismatch(comm, RankMismatch{}).has_value());
}

}  // namespace
}  // namespace pfsbench
