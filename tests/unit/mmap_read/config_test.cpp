// Option parsing and validation: bad input is a usage error that says why.
#include <gtest/gtest.h>

#include "config.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::mmap_read {
namespace {

TEST(ThreadList, ParsesNumbersAndLists) {
  EXPECT_EQ(parse_thread_list("4"), (std::vector<int>{4}));
  EXPECT_EQ(parse_thread_list("1,2,4"), (std::vector<int>{1, 2, 4}));
}

TEST(ThreadList, RejectsJunk) {
  for (const char* bad : {"", "0", "-1", "1,,2", "1,2,", "a", "2x", "1,1", "5000"})
    EXPECT_THROW(parse_thread_list(bad), UsageError) << bad;
}

TEST(ThreadList, MessageNamesTheOptionAndTheFix) {
  try {
    parse_thread_list("1,x");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--threads"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("e.g. --threads 1,2,4"), std::string::npos);
  }
}

Config valid() {
  Config c;
  c.path = "/tmp/x";
  c.size_bytes = 1 << 20;
  return c;
}

TEST(Validate, AcceptsTheDefaults) { EXPECT_NO_THROW(validate(valid(), 4096)); }

TEST(Validate, RejectsBadCombinations) {
  Config c = valid();
  c.size_bytes = 0;
  EXPECT_THROW(validate(c, 4096), UsageError);  // a new file needs --size
  c.existing = true;
  EXPECT_NO_THROW(validate(c, 4096));  // an existing one does not
  c = valid();
  c.chunk_bytes = 6000;
  EXPECT_THROW(validate(c, 4096), UsageError);
  c = valid();
  c.drop_caches = true;
  EXPECT_THROW(validate(c, 4096), UsageError);  // only with --cache cold
  c.cache = CacheMode::kCold;
  EXPECT_NO_THROW(validate(c, 4096));
  c = valid();
  c.existing = true;
  c.keep = true;
  EXPECT_THROW(validate(c, 4096), UsageError);
  c = valid();
  c.existing = true;
  c.shrink_to_bytes = 0;
  EXPECT_THROW(validate(c, 4096), UsageError);  // never modify an --existing file
}

TEST(UnitBytes, PageForRandomWholeMapsChunkOtherwise) {
  Config c = valid();
  EXPECT_EQ(unit_bytes(c, 4096), c.chunk_bytes);
  c.access = Access::kRandom;
  EXPECT_EQ(unit_bytes(c, 4096), 4096u);
  c.map = MapMode::kChunk;
  EXPECT_EQ(unit_bytes(c, 4096), c.chunk_bytes);
}

TEST(ConfigJson, HasUnitsInNames) {
  const auto j = to_json(valid(), 4096);
  EXPECT_EQ(j.at("size_bytes"), 1 << 20);
  EXPECT_EQ(j.at("chunk_size_bytes"), 16 << 20);
  EXPECT_EQ(j.at("threads_per_rank"), nlohmann::json::array({1}));
  EXPECT_EQ(j.at("api"), nlohmann::json::array({"mmap"}));
}

}  // namespace
}  // namespace pfsbench::mmap_read
