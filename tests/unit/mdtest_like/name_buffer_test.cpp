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

TEST(NameBuffer, LongPrefixRejected) {
  EXPECT_THROW(NameBuffer(std::string(NameBuffer::kMaxPrefix + 1, 'x')), std::length_error);
}

}  // namespace
}  // namespace pfsbench::mdtest_like
