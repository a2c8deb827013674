// Guards the one O_DIRECT alignment rule (dio_align.hpp): statx first, then
// the device's logical block size, then 4096; sizes and the region base must
// be multiples of the offset alignment, with a suggestion that is one.
#include "pfsbench/dio_align.hpp"

#include <array>

#include <gtest/gtest.h>

namespace pfsbench {
namespace {

TEST(DioAlign, StatxWinsOverBlockSize) {
  const auto a = resolve_dio_alignment(4u, 512u, 4096u);
  EXPECT_EQ(a.mem_bytes, 4u);
  EXPECT_EQ(a.offset_bytes, 512u);
  EXPECT_EQ(a.source, "statx");
}

TEST(DioAlign, StatxOffsetWithoutMemUsesOffsetForMemory) {
  const auto a = resolve_dio_alignment(std::nullopt, 4096u, 512u);
  EXPECT_EQ(a.mem_bytes, 4096u);
  EXPECT_EQ(a.offset_bytes, 4096u);
}

TEST(DioAlign, LogicalBlockSizeWhenNoStatx) {
  const auto a = resolve_dio_alignment(std::nullopt, std::nullopt, 512u);
  EXPECT_EQ(a.mem_bytes, 512u);
  EXPECT_EQ(a.offset_bytes, 512u);
  EXPECT_EQ(a.source, "logical_block_size");
}

TEST(DioAlign, ZeroStatxIsIgnored) {
  const auto a = resolve_dio_alignment(0u, 0u, 4096u);
  EXPECT_EQ(a.source, "logical_block_size");
  EXPECT_EQ(a.offset_bytes, 4096u);
}

TEST(DioAlign, DefaultIs4096) {
  const auto a = resolve_dio_alignment(std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(a.mem_bytes, 4096u);
  EXPECT_EQ(a.offset_bytes, 4096u);
  EXPECT_EQ(a.source, "default");
}

struct Case {
  std::uint64_t bs, size, base;
  std::uint32_t align;
  bool ok;
  const char* needle;  // part of the message when not ok
};

TEST(DioAlign, ProblemTable) {
  const Case cases[] = {
      {32768, 1 << 20, 0, 512, true, ""},
      {4096, 4096, 0, 4096, true, ""},
      {1000, 1000000, 0, 512, false, "--bs 1000 is not a multiple of the O_DIRECT offset alignment 512"},
      {1000, 1000000, 0, 512, false, "use e.g. --bs 512 or --direct 0"},
      {100, 4096, 0, 512, false, "use e.g. --bs 512 or"},  // never suggests 0
      {6144, 6144 * 4, 0, 4096, false, "use e.g. --bs 4096"},
      {4096, 4096 * 3 + 512, 0, 4096, false, "--size 12800 is not a multiple"},
      {4096, 4096 * 3 + 512, 0, 4096, false, "use e.g. --size 16384"},
      {4096, 8192, 512, 4096, false, "starts at offset 512"},
      {512, 512, 0, 512, true, ""},
  };
  for (const auto& c : cases) {
    const DioAlignment a{c.align, c.align, "statx"};
    const std::array<DioSize, 2> sizes{{{"--bs", c.bs, false}, {"--size", c.size, true}}};
    const auto p = dio_alignment_problem(sizes, c.base, a, "--direct 0");
    EXPECT_EQ(!p.has_value(), c.ok) << c.bs << " " << c.size;
    if (p) {
      EXPECT_NE(p->find(c.needle), std::string::npos) << *p;
      EXPECT_NE(p->find("(from statx)"), std::string::npos) << *p;
      EXPECT_NE(p->find("--direct 0"), std::string::npos) << *p;
    }
  }
}

TEST(DioAlign, TheFirstBadSizeIsNamed) {
  const DioAlignment a{4096, 4096, "default"};
  const std::array<DioSize, 2> sizes{{{"-t", 1000, false}, {"-b", 1000, true}}};
  EXPECT_EQ(*dio_alignment_problem(sizes, 0, a, "drop -B"),
            "-t 1000 is not a multiple of the O_DIRECT offset alignment 4096 (from default); O_DIRECT needs request "
            "sizes and offsets that are multiples of the offset alignment (from statx STATX_DIOALIGN, else the "
            "device's logical block size, else 4096); use e.g. -t 4096 or drop -B");
}

TEST(DioAlign, BufferAlignmentIsAtLeastAPage) {
  EXPECT_EQ(dio_buffer_alignment({4, 512, "statx"}), 4096u);
  EXPECT_EQ(dio_buffer_alignment({8192, 8192, "statx"}), 8192u);
}

TEST(DioAlign, RoundUp) {
  EXPECT_EQ(round_up(0, 4096), 0u);
  EXPECT_EQ(round_up(1, 4096), 4096u);
  EXPECT_EQ(round_up(4096, 4096), 4096u);
  EXPECT_EQ(round_up(4097, 512), 4608u);
}

TEST(DioAlign, ProbeOfTmpOrShmNeverThrowsAndGivesAPowerOfTwo) {
  for (const char* p : {"/tmp", "/dev/shm", "/nonexistent/dir/file"}) {
    const DioAlignment a = probe_dio_alignment(p);
    EXPECT_GT(a.offset_bytes, 0u) << p;
    EXPECT_EQ(a.offset_bytes & (a.offset_bytes - 1), 0u) << p;
  }
}

}  // namespace
}  // namespace pfsbench
