// The access plan: IOR's segment-major offsets and the read orders.
#include "plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace pfsbench::ior_like {
namespace {

TEST(TransferOffset, SharedFileIsSegmentMajorAsInIor) {
  // offset = (seg * ranks + rank) * b + j * t
  const Layout l{/*block*/ 1000, /*transfer*/ 250, /*segments*/ 3, /*ranks*/ 4, /*fpp*/ false};
  struct Case {
    int rank;
    std::uint64_t seg, j, offset;
  } cases[] = {
      {0, 0, 0, 0},        {0, 0, 3, 750},       {1, 0, 0, 1000},     {3, 0, 1, 3250},
      {0, 1, 0, 4000},     {2, 1, 2, 6500},      {3, 2, 3, 11750},
  };
  for (const auto& c : cases) EXPECT_EQ(transfer_offset(l, c.rank, c.seg, c.j), c.offset) << c.rank << "/" << c.seg << "/" << c.j;
  EXPECT_EQ(l.file_bytes(), 12000u);
  EXPECT_EQ(l.transfers_per_rank(), 12u);
}

TEST(TransferOrder, PermuteIsABijectionForEveryDomainSize) {
  for (std::uint64_t n : {1ull, 2ull, 3ull, 5ull, 7ull, 16ull, 17ull, 100ull, 1000ull, 4097ull}) {
    for (std::uint64_t key : {0ull, 1ull, 0xdeadbeefull}) {
      std::vector<bool> seen(n, false);
      for (std::uint64_t x = 0; x < n; ++x) {
        const std::uint64_t y = TransferOrder::permute(x, n, key);
        ASSERT_LT(y, n) << n << "/" << key;
        ASSERT_FALSE(seen[y]) << "two inputs map to " << y << " (n " << n << ")";
        seen[y] = true;
      }
    }
  }
}

TEST(TransferOrder, RandomVisitsTheSameOffsetsAsSequentialBlockByBlock) {
  for (bool fpp : {false, true}) {
    const Layout l{64 * 1024, 4096, 3, 4, fpp};
    const TransferOrder seq(l, false, 0), rnd(l, true, 42);
    for (int r = 0; r < l.ranks; ++r) {
      std::vector<std::uint64_t> a, b;
      bool moved = false;
      for (std::uint64_t i = 0; i < l.transfers_per_rank(); ++i) {
        a.push_back(seq.offset(r, i));
        b.push_back(rnd.offset(r, i));
        EXPECT_EQ(a.back(), nth_transfer_offset(l, r, i));
        // Blocks stay in order: transfer i lies in the block of segment i / per_block.
        EXPECT_EQ(b.back() / l.block_bytes, a.back() / l.block_bytes) << "rank " << r << " i " << i;
        moved = moved || a.back() != b.back();
      }
      EXPECT_TRUE(moved) << "-z changed nothing for rank " << r;
      std::sort(b.begin(), b.end());
      EXPECT_EQ(a, b) << "rank " << r << ": -z must touch exactly the rank's own offsets";
    }
  }
}

TEST(TransferOrder, SeedRankAndSegmentEachChangeTheOrder) {
  const Layout l{256 * 1024, 4096, 2, 2, false};
  auto block = [&](const TransferOrder& o, int rank, std::uint64_t seg) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t j = 0; j < l.transfers_per_block(); ++j)
      v.push_back(o.offset(rank, seg * l.transfers_per_block() + j) - transfer_offset(l, rank, seg, 0));
    return v;
  };
  const TransferOrder a(l, true, 1), a2(l, true, 1), b(l, true, 2);
  EXPECT_EQ(block(a, 0, 0), block(a2, 0, 0)) << "same seed, same order on every rank and run";
  EXPECT_NE(block(a, 0, 0), block(b, 0, 0));
  EXPECT_NE(block(a, 0, 0), block(a, 1, 0));
  EXPECT_NE(block(a, 0, 0), block(a, 0, 1));
}

TEST(TransferOffset, FilePerProcessIgnoresTheRank) {
  const Layout l{1000, 250, 3, 4, true};
  EXPECT_EQ(transfer_offset(l, 3, 0, 0), 0u);
  EXPECT_EQ(transfer_offset(l, 3, 2, 1), 2250u);
  EXPECT_EQ(l.file_bytes(), 3000u);
}

TEST(TransferOffset, AllRanksTileTheSharedFileExactlyOnce) {
  const Layout l{4096, 1024, 5, 3, false};
  std::vector<std::uint64_t> offs;
  for (int r = 0; r < l.ranks; ++r)
    for (std::uint64_t i = 0; i < l.transfers_per_rank(); ++i) offs.push_back(nth_transfer_offset(l, r, i));
  std::sort(offs.begin(), offs.end());
  for (std::size_t k = 0; k < offs.size(); ++k) EXPECT_EQ(offs[k], k * l.transfer_bytes);
  EXPECT_EQ(offs.size() * l.transfer_bytes, l.file_bytes());
}

TEST(ReadSources, OwnAndShift) {
  EXPECT_EQ(read_sources(4, ReadOrder::kOwn, 0, 1), (std::vector<int>{0, 1, 2, 3}));
  // -C with 2 ranks per node: rank r reads rank r+2 (one node further).
  EXPECT_EQ(read_sources(6, ReadOrder::kShift, 2, 1), (std::vector<int>{2, 3, 4, 5, 0, 1}));
  // One node holding every rank: the shift wraps to each rank's own data.
  EXPECT_EQ(read_sources(4, ReadOrder::kShift, 4, 1), (std::vector<int>{0, 1, 2, 3}));
}

TEST(ReadSources, RandomIsAPermutationWithoutFixedPoints) {
  for (int n : {2, 3, 4, 7, 64, 384}) {
    for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xdeadbeefull}) {
      const auto p = read_sources(n, ReadOrder::kRandom, 0, seed);
      ASSERT_EQ(p.size(), static_cast<std::size_t>(n));
      std::set<int> seen(p.begin(), p.end());
      EXPECT_EQ(seen.size(), p.size()) << "not a permutation, n=" << n;
      for (int r = 0; r < n; ++r) EXPECT_NE(p[static_cast<std::size_t>(r)], r) << "rank reads its own data, n=" << n;
    }
  }
  EXPECT_EQ(read_sources(1, ReadOrder::kRandom, 0, 5), (std::vector<int>{0}));
}

TEST(ReadSources, RandomDependsOnlyOnTheSeed) {
  EXPECT_EQ(random_derangement(50, 7), random_derangement(50, 7));
  EXPECT_NE(random_derangement(50, 7), random_derangement(50, 8));
}

TEST(NodeShiftSources, BlockMappingIsIorsShiftByRanksPerNode) {
  const std::vector<int> block = {0, 0, 0, 1, 1, 1, 2, 2, 2};  // 3 nodes x 3 ranks, srun's default
  for (int q : {1, 2}) {
    const auto src = node_shift_sources(block, q);
    ASSERT_TRUE(src.has_value());
    EXPECT_EQ(*src, read_sources(9, ReadOrder::kShift, 3 * q, 0)) << "q " << q;
  }
}

TEST(NodeShiftSources, CyclicMappingStillReadsAnotherNode) {
  // 2 nodes x 4 ranks, round-robin: a shift by 4 ranks (the ranks per node)
  // would land on the same node; by node and place it does not.
  const std::vector<int> cyclic = {0, 1, 0, 1, 0, 1, 0, 1};
  const auto shifted = read_sources(8, ReadOrder::kShift, 4, 0);
  EXPECT_EQ(cyclic[static_cast<std::size_t>(shifted[0])], cyclic[0]) << "the trap: a shift stays on node 0";
  const auto src = node_shift_sources(cyclic, 1);
  ASSERT_TRUE(src.has_value());
  EXPECT_EQ(*src, (std::vector<int>{1, 0, 3, 2, 5, 4, 7, 6}));
  std::vector<int> sorted = *src;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7})) << "every rank's data is read once";
  for (std::size_t r = 0; r < src->size(); ++r)
    EXPECT_NE(cyclic[static_cast<std::size_t>((*src)[r])], cyclic[r]) << "rank " << r;
}

TEST(NodeShiftSources, OneNodeOrAWholeTurnReadsOwnDataAndUnevenNodesHaveNoPairing) {
  EXPECT_EQ(*node_shift_sources({0, 0, 0}, 1), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(*node_shift_sources({0, 0, 1, 1}, 2), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_FALSE(node_shift_sources({0, 0, 0, 1}, 1).has_value());
}

TEST(DataFile, IorNaming) {
  EXPECT_EQ(data_file("/gpfs/f", false, 5), "/gpfs/f");
  EXPECT_EQ(data_file("/gpfs/f", true, 5), "/gpfs/f.00000005");
  EXPECT_EQ(data_file("f", true, 123456789), "f.123456789");
}

// -z -z: one random -b block of the whole file per segment, its transfers front to back.
TEST(TransferOrder, RandomBlocksPickWholeBlocksOverTheFileSeeded) {
  const Layout l{/*block*/ 4096, /*transfer*/ 1024, /*segments*/ 2000, /*ranks*/ 2, /*fpp*/ false};
  const TransferOrder o = TransferOrder::random_blocks(l, 7, 50), same = TransferOrder::random_blocks(l, 7, 50);
  const TransferOrder other_seed = TransferOrder::random_blocks(l, 8, 50);
  std::set<std::uint64_t> blocks;
  std::vector<int> hits(50, 0);
  int differ_by_rank = 0, differ_by_seed = 0;
  for (std::uint64_t seg = 0; seg < l.segments; ++seg) {
    const std::uint64_t first = o.offset(0, seg * 4);
    EXPECT_EQ(first % 4096, 0u);
    EXPECT_LT(first, 50u * 4096) << "inside the file's blocks, any rank's";
    for (std::uint64_t j = 0; j < 4; ++j) EXPECT_EQ(o.offset(0, seg * 4 + j), first + j * 1024);
    EXPECT_EQ(o.random_block(0, seg), first / 4096);
    EXPECT_EQ(same.offset(0, seg * 4), first);
    differ_by_rank += o.offset(1, seg * 4) != first;
    differ_by_seed += other_seed.offset(0, seg * 4) != first;
    blocks.insert(first / 4096);
    ++hits[first / 4096];
  }
  EXPECT_EQ(blocks.size(), 50u) << "2000 picks of 50 reach every block";
  EXPECT_GT(*std::min_element(hits.begin(), hits.end()), 10) << "roughly uniform (40 expected per block)";
  EXPECT_LT(*std::max_element(hits.begin(), hits.end()), 80);
  EXPECT_GT(differ_by_rank, 1800);
  EXPECT_GT(differ_by_seed, 1800);
  EXPECT_EQ(o.file_blocks(), 50u);
  EXPECT_EQ(TransferOrder(l, true, 7).file_blocks(), 0u);
}

}  // namespace
}  // namespace pfsbench::ior_like
