// Guards the O_DIRECT alignment rule: statx first, then the device's
// logical block size, then 4096; --bs/--size/base must be multiples.
#include "alignment.hpp"

#include <gtest/gtest.h>

namespace pfsbench::dio_batch {
namespace {

TEST(Alignment, StatxWinsOverBlockSize) {
  const auto a = resolve_alignment(4u, 512u, 4096u);
  EXPECT_EQ(a.mem_bytes, 4u);
  EXPECT_EQ(a.offset_bytes, 512u);
  EXPECT_EQ(a.source, "statx");
}

TEST(Alignment, StatxOffsetWithoutMemUsesOffsetForMemory) {
  const auto a = resolve_alignment(std::nullopt, 4096u, 512u);
  EXPECT_EQ(a.mem_bytes, 4096u);
  EXPECT_EQ(a.offset_bytes, 4096u);
}

TEST(Alignment, LogicalBlockSizeWhenNoStatx) {
  const auto a = resolve_alignment(std::nullopt, std::nullopt, 512u);
  EXPECT_EQ(a.mem_bytes, 512u);
  EXPECT_EQ(a.offset_bytes, 512u);
  EXPECT_EQ(a.source, "logical_block_size");
}

TEST(Alignment, ZeroStatxIsIgnored) {
  const auto a = resolve_alignment(0u, 0u, 4096u);
  EXPECT_EQ(a.source, "logical_block_size");
  EXPECT_EQ(a.offset_bytes, 4096u);
}

TEST(Alignment, DefaultIs4096) {
  const auto a = resolve_alignment(std::nullopt, std::nullopt, std::nullopt);
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

TEST(Alignment, ProblemTable) {
  const Case cases[] = {
      {32768, 1 << 20, 0, 512, true, ""},
      {4096, 4096, 0, 4096, true, ""},
      {1000, 1000000, 0, 512, false, "--bs 1000 is not a multiple of the O_DIRECT offset alignment 512"},
      {1000, 1000000, 0, 512, false, "use e.g. --bs 512"},
      {6144, 6144 * 4, 0, 4096, false, "use e.g. --bs 4096"},
      {4096, 4096 * 3 + 512, 0, 4096, false, "--size 12800 is not a multiple"},
      {4096, 4096 * 3 + 512, 0, 4096, false, "use e.g. --size 16384"},
      {4096, 8192, 512, 4096, false, "starts at offset 512"},
      {512, 512, 0, 512, true, ""},
  };
  for (const auto& c : cases) {
    DioAlignment a{c.align, c.align, "statx"};
    const auto p = alignment_problem(c.bs, c.size, c.base, a);
    EXPECT_EQ(!p.has_value(), c.ok) << c.bs << " " << c.size;
    if (p) {
      EXPECT_NE(p->find(c.needle), std::string::npos) << *p;
      EXPECT_NE(p->find("(from statx)"), std::string::npos) << *p;
      EXPECT_NE(p->find("--direct 0"), std::string::npos) << *p;
    }
  }
}

TEST(Alignment, BufferAlignmentIsAtLeastAPage) {
  EXPECT_EQ(buffer_alignment({4, 512, "statx"}), 4096u);
  EXPECT_EQ(buffer_alignment({8192, 8192, "statx"}), 8192u);
}

TEST(Alignment, RoundUp) {
  EXPECT_EQ(round_up(0, 4096), 0u);
  EXPECT_EQ(round_up(1, 4096), 4096u);
  EXPECT_EQ(round_up(4096, 4096), 4096u);
  EXPECT_EQ(round_up(4097, 512), 4608u);
}

}  // namespace
}  // namespace pfsbench::dio_batch
