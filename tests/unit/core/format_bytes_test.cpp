// format_bytes at unit boundaries.
#include <gtest/gtest.h>

#include "pfsbench/units.hpp"

namespace pfsbench {
namespace {

// A value just under the next unit rounds up to it instead of "1024.00 KiB".
TEST(FormatBytes, JustBelowTheNextUnit) {
  EXPECT_EQ(format_bytes(1048575), "1.00 MiB");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1048576), "1 MiB");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
}

}  // namespace
}  // namespace pfsbench
