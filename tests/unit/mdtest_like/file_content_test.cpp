// The -w/-X content: tag per item, pattern elsewhere, mismatches located.
#include "file_content.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace pfsbench::mdtest_like {
namespace {

std::vector<std::byte> written(std::size_t size, int owner, std::uint64_t item) {
  FileContent c(size);
  c.set_tag(owner, item);
  return {c.bytes().begin(), c.bytes().end()};
}

TEST(FileContent, OwnContentChecksOk) {
  FileContent reader(4096);
  const auto data = written(4096, 2, 77);
  EXPECT_TRUE(reader.check(data, 2, 77).ok);
}

TEST(FileContent, SeedChangesThePatternNotTheTag) {
  // -G: a reader with another seed finds the tag right and the pattern wrong.
  FileContent other(4096, kContentSeed + 1);
  const auto c = other.check(written(4096, 2, 77), 2, 77);
  EXPECT_FALSE(c.ok);
  EXPECT_GE(c.first_bad_offset, kTagBytes);
  FileContent same(4096, kContentSeed);
  EXPECT_TRUE(same.check(written(4096, 2, 77), 2, 77).ok);
}

TEST(FileContent, OtherItemsContentFailsAtTheTag) {
  FileContent reader(4096);
  const auto c = reader.check(written(4096, 2, 78), 2, 77);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.first_bad_offset, 8u);  // the item word; 77 vs 78 differ in the low byte
  EXPECT_EQ(c.expected, 77u);
  EXPECT_EQ(c.found, 78u);
  EXPECT_EQ(c.bad_bytes, 1u);
  EXPECT_FALSE(reader.check(written(4096, 1, 77), 2, 77).ok);  // other owner
}

TEST(FileContent, CorruptedBodyLocated) {
  FileContent reader(8192);
  auto data = written(8192, 0, 5);
  data[5000] = static_cast<std::byte>(static_cast<unsigned>(data[5000]) ^ 0xffu);
  data[6000] = static_cast<std::byte>(static_cast<unsigned>(data[6000]) ^ 0x01u);
  const auto c = reader.check(data, 0, 5);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.first_bad_offset, 5000u);
  EXPECT_EQ(c.bad_bytes, 2u);
}

TEST(FileContent, ZeroedFileFails) {
  FileContent reader(4096);
  const std::vector<std::byte> zeros(4096);
  EXPECT_FALSE(reader.check(zeros, 0, 0).ok);
}

TEST(FileContent, SmallerThanTag) {
  FileContent reader(5);
  EXPECT_TRUE(reader.check(written(5, 3, 9), 3, 9).ok);
  EXPECT_FALSE(reader.check(written(5, 4, 9), 3, 9).ok);
}

TEST(FileContent, PrefixOfLongerFile) {
  // -e smaller than -w: the first e bytes of the written file check.
  FileContent reader(100);
  const auto data = written(4096, 1, 1);
  EXPECT_TRUE(reader.check(std::span<const std::byte>(data.data(), 100), 1, 1).ok);
}

}  // namespace
}  // namespace pfsbench::mdtest_like
