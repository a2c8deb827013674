// The in-place name counter must spell exactly what std::to_string does.
#include "name_buffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pfsbench::mdtest_like {
namespace {

TEST(NameBuffer, StartsAtZero) {
  NameBuffer n("file.mdtest.3.");
  EXPECT_STREQ(n.c_str(), "file.mdtest.3.0");
}

TEST(NameBuffer, IncrementMatchesToStringAcrossDigitBoundaries) {
  NameBuffer n("p.");
  for (std::uint64_t i = 0; i < 100500; ++i) {
    ASSERT_EQ(n.view(), "p." + std::to_string(i)) << i;
    n.increment();
  }
}

TEST(NameBuffer, SetThenIncrement) {
  const std::uint64_t starts[] = {0, 9, 99, 999999, 18446744073709551614ull};
  for (std::uint64_t s : starts) {
    NameBuffer n("dir.mdtest.0.");
    n.set(s);
    EXPECT_EQ(n.view(), "dir.mdtest.0." + std::to_string(s));
    n.increment();
    EXPECT_EQ(n.view(), "dir.mdtest.0." + std::to_string(s + 1));
  }
}

TEST(NameBuffer, ResetReplacesPrefixAndCounter) {
  // Full-path mode: the prefix is the item's directory path, changed when the
  // items move on to the next tree directory.
  NameBuffer n("file.mdtest.0.");
  n.reset("/d/test-dir.0-0/mdtest_tree.0/mdtest_tree.1/file.mdtest.0.", 20);
  EXPECT_STREQ(n.c_str(), "/d/test-dir.0-0/mdtest_tree.0/mdtest_tree.1/file.mdtest.0.20");
  n.increment();
  EXPECT_EQ(n.view(), "/d/test-dir.0-0/mdtest_tree.0/mdtest_tree.1/file.mdtest.0.21");
  n.reset("x.", 18446744073709551615ull);  // shorter prefix, longest counter
  EXPECT_EQ(n.view(), "x.18446744073709551615");
}

TEST(NameBuffer, LongPrefixRejected) {
  EXPECT_THROW(NameBuffer(std::string(NameBuffer::kMaxPrefix + 1, 'x')), std::length_error);
  NameBuffer n(std::string(NameBuffer::kMaxPrefix, 'y'));  // the longest accepted
  n.set(18446744073709551615ull);
  EXPECT_EQ(n.view().size(), NameBuffer::kMaxPrefix + 20);
  EXPECT_THROW(n.reset(std::string(NameBuffer::kMaxPrefix + 1, 'x'), 0), std::length_error);
}

}  // namespace
}  // namespace pfsbench::mdtest_like
