// Who reads what: slices, the permutation and the unit plans, exact values.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "plan.hpp"

namespace pfsbench::mmap_read {
namespace {

TEST(ReaderSlice, WithoutPartitionEveryReaderReadsTheWholeFile) {
  for (int r = 0; r < 4; ++r) EXPECT_EQ(reader_slice(10000, 4096, r, 4, false), (Slice{0, 10000}));
}

TEST(ReaderSlice, PartitionDealsPagesEvenlyAndClipsTheLastSlice) {
  // 10 pages (the last one partial) over 3 readers: pages 0-2, 3-5, 6-9.
  const std::uint64_t size = 9 * 4096 + 100;
  EXPECT_EQ(reader_slice(size, 4096, 0, 3, true), (Slice{0, 3 * 4096}));
  EXPECT_EQ(reader_slice(size, 4096, 1, 3, true), (Slice{3 * 4096, 6 * 4096}));
  EXPECT_EQ(reader_slice(size, 4096, 2, 3, true), (Slice{6 * 4096, size}));
}

TEST(ReaderSlice, MoreReadersThanPagesLeavesSomeEmpty) {
  std::uint64_t total = 0;
  int empty = 0;
  for (int r = 0; r < 5; ++r) {
    const Slice s = reader_slice(2 * 4096, 4096, r, 5, true);
    total += s.bytes();
    empty += s.bytes() == 0;
  }
  EXPECT_EQ(total, 2u * 4096);
  EXPECT_EQ(empty, 3);
}

TEST(ReaderSlice, PartitionCoversTheFileOnceForManyShapes) {
  for (std::uint64_t size : {1ull, 4095ull, 4096ull, 4097ull, 1000000ull, (1ull << 30) + 12345}) {
    for (int readers : {1, 2, 3, 7, 64}) {
      std::uint64_t expect_begin = 0;
      for (int r = 0; r < readers; ++r) {
        const Slice s = reader_slice(size, 4096, r, readers, true);
        EXPECT_EQ(s.begin, expect_begin) << size << " " << readers << " " << r;
        EXPECT_EQ(s.begin % 4096, 0u);
        EXPECT_LE(s.begin, s.end);
        expect_begin = s.end;
      }
      EXPECT_EQ(expect_begin, size);
    }
  }
}

TEST(ReaderSlice, HugeFilesDoNotOverflow) {
  const std::uint64_t size = 1ull << 62;  // 4 EiB: pages * readers would overflow 64 bits
  const Slice last = reader_slice(size, 4096, 1023, 1024, true);
  EXPECT_EQ(last.end, size);
  EXPECT_EQ(last.begin, size / 1024 * 1023);
}

TEST(Permutation, IsABijectionForManySizes) {
  for (std::uint64_t n : {1ull, 2ull, 3ull, 4ull, 5ull, 17ull, 100ull, 1000ull, 4096ull, 65537ull}) {
    const Permutation p(n, 42);
    std::vector<bool> seen(n, false);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t v = p(i);
      ASSERT_LT(v, n);
      ASSERT_FALSE(seen[v]) << "n=" << n << " value " << v << " twice";
      seen[v] = true;
    }
  }
}

TEST(Permutation, IsSeededAndDeterministic) {
  const Permutation a(1000, 1), b(1000, 1), c(1000, 2);
  int same_ab = 0, same_ac = 0, fixed = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    same_ab += a(i) == b(i);
    same_ac += a(i) == c(i);
    fixed += a(i) == i;
  }
  EXPECT_EQ(same_ab, 1000);
  EXPECT_LT(same_ac, 50);  // another seed, another order
  EXPECT_LT(fixed, 50);    // and not the identity
}

TEST(UnitPlan, SequentialCutsTheSliceInOrder) {
  const UnitPlan p(Slice{8192, 8192 + 10000}, 4096, Access::kSeq, 0);
  ASSERT_EQ(p.count(), 3u);
  EXPECT_EQ(p.at(0), (Unit{8192, 4096}));
  EXPECT_EQ(p.at(1), (Unit{12288, 4096}));
  EXPECT_EQ(p.at(2), (Unit{16384, 10000 - 8192}));
  EXPECT_EQ(p.bytes(), 10000u);
}

TEST(UnitPlan, EmptySliceHasNoUnits) {
  const UnitPlan p(Slice{4096, 4096}, 4096, Access::kRandom, 3);
  EXPECT_EQ(p.count(), 0u);
}

// Random plans read every unit exactly once, tabulated or computed on the fly.
void expect_random_covers(std::uint64_t size, std::uint64_t unit) {
  const UnitPlan p(Slice{0, size}, unit, Access::kRandom, 7);
  std::set<std::uint64_t> offsets;
  std::uint64_t bytes = 0;
  bool in_order = true;
  for (std::uint64_t i = 0; i < p.count(); ++i) {
    const Unit u = p.at(i);
    EXPECT_EQ(u.offset % unit, 0u);
    EXPECT_TRUE(offsets.insert(u.offset).second);
    bytes += u.length;
    in_order = in_order && u.offset == i * unit;
  }
  EXPECT_EQ(bytes, size);
  EXPECT_EQ(offsets.size(), p.count());
  if (p.count() > 8) {
    EXPECT_FALSE(in_order);
  }
}

TEST(UnitPlan, RandomReadsEveryUnitOnce) { expect_random_covers(1000 * 4096 + 5, 4096); }

TEST(UnitPlan, RandomBeyondTheTableIsStillAPermutation) {
  expect_random_covers((UnitPlan::kMaxTabulated + 3) * 8, 8);
}

// The same plan read from its table and computed index by index: the
// table is really used (tabulated()), and it holds the computed order, for
// a slice that does not start at 0 and ends in a short unit.
TEST(UnitPlan, TabulatedAndComputedOrdersAgree) {
  const std::uint64_t n = 5000;
  const Slice slice{3 * 4096, 3 * 4096 + (n - 1) * 4096 + 100};
  const UnitPlan tab(slice, 4096, Access::kRandom, 99);
  const UnitPlan comp(slice, 4096, Access::kRandom, 99, /*tabulate=*/false);
  ASSERT_TRUE(tab.tabulated());
  ASSERT_FALSE(comp.tabulated());
  ASSERT_EQ(tab.count(), n);
  ASSERT_EQ(comp.count(), n);
  std::uint64_t moved = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    ASSERT_EQ(tab.at(i), comp.at(i)) << "unit " << i;
    moved += tab.at(i).offset != slice.begin + i * 4096;
  }
  EXPECT_GT(moved, n / 2) << "a random order, not the sequential one";
}

TEST(ReaderSeed, DiffersPerReader) {
  EXPECT_NE(reader_seed(1, 0), reader_seed(1, 1));
  EXPECT_EQ(reader_seed(1, 5), reader_seed(1, 5));
}

}  // namespace
}  // namespace pfsbench::mmap_read
