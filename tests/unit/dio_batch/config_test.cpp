// Guards the option checks that run before any I/O (exit 2 messages).
#include "config.hpp"

#include <gtest/gtest.h>

#include "pfsbench/error.hpp"

namespace pfsbench::dio_batch {
namespace {

std::string usage_message(const Config& c) {
  try {
    validate_basic(c);
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST(Config, DefaultsAreFiosReferenceJob) {
  Config c;
  EXPECT_EQ(c.bs_bytes, 32768u);
  EXPECT_EQ(c.iodepth, 128u);
  EXPECT_EQ(c.rw, Rw::kWrite);
  EXPECT_TRUE(c.direct);
  EXPECT_EQ(usage_message(c), "");
}

TEST(Config, Rejections) {
  Config c;
  c.engine = "nope";
  EXPECT_NE(usage_message(c).find("unknown --engine 'nope'"), std::string::npos);
  c = Config{};
  c.engine = "psync";
  EXPECT_NE(usage_message(c).find("--iodepth 128 with --engine psync"), std::string::npos);
  c.iodepth = 1;
  EXPECT_EQ(usage_message(c), "");
  c.fixedbufs = true;
  EXPECT_NE(usage_message(c).find("--fixedbufs with --engine psync"), std::string::npos);
  c = Config{};
  c.size_bytes = 32768 * 3 + 4096;
  EXPECT_NE(usage_message(c).find("not a multiple of --bs"), std::string::npos);
  c = Config{};
  c.time_based = true;
  EXPECT_NE(usage_message(c).find("--time-based without a positive --runtime"), std::string::npos);
  c = Config{};
  c.mode = Mode::kOverwrite;
  c.prealloc = Prealloc::kFallocate;
  EXPECT_NE(usage_message(c).find("--prealloc fallocate with --mode overwrite"), std::string::npos);
  c = Config{};
  c.rw = Rw::kRead;
  c.mode = Mode::kAppend;
  EXPECT_NE(usage_message(c).find("--rw read with --mode append"), std::string::npos);
}

TEST(Config, FileOfRank) {
  Config c;
  c.path = "/x/f";
  EXPECT_EQ(c.file_of(3), "/x/f.3");
  EXPECT_EQ(c.rank_offset(3), 0u);
  c.shared = true;
  EXPECT_EQ(c.file_of(3), "/x/f");
  EXPECT_EQ(c.rank_offset(3), 3u * c.size_bytes);
}

}  // namespace
}  // namespace pfsbench::dio_batch
