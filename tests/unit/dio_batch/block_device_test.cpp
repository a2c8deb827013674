// Guards the device counters: /sys/block/DEV/stat parsing and the deltas
// (requests, merges, bytes, average request size) the document records.
#include "block_device.hpp"

#include <gtest/gtest.h>

namespace pfsbench::dio_batch {
namespace {

TEST(BlockDevice, ParsesStatLine) {
  const char* text =
      "   12345     678   987654    4321   23456    34567  8765432    5432        0    9999    19999        0        0"
      "        0        0     111      222\n";
  const auto c = parse_disk_stat(text);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->read_ios, 12345u);
  EXPECT_EQ(c->read_merges, 678u);
  EXPECT_EQ(c->read_sectors, 987654u);
  EXPECT_EQ(c->write_ios, 23456u);
  EXPECT_EQ(c->write_merges, 34567u);
  EXPECT_EQ(c->write_sectors, 8765432u);
}

TEST(BlockDevice, RejectsShortOrJunk) {
  EXPECT_FALSE(parse_disk_stat(""));
  EXPECT_FALSE(parse_disk_stat("1 2 3 4 5 6"));
  EXPECT_FALSE(parse_disk_stat("1 2 x 4 5 6 7"));
}

TEST(BlockDevice, DeltaAndAverageRequest) {
  DiskCounters a, b;
  a.write_ios = 100;
  a.write_merges = 10;
  a.write_sectors = 1000;
  b.write_ios = 164;                 // 64 requests
  b.write_merges = 10 + 2048 - 64;   // 2048 x 32 KiB merged into 64
  b.write_sectors = 1000 + 2048 * 64;
  const auto d = disk_delta(a, b, true);
  EXPECT_EQ(d.requests, 64u);
  EXPECT_EQ(d.merges, 1984u);
  EXPECT_EQ(d.bytes, 2048u * 32768u);
  ASSERT_TRUE(d.avg_request_bytes());
  EXPECT_DOUBLE_EQ(*d.avg_request_bytes(), 1048576.0);
  const auto r = disk_delta(a, b, false);
  EXPECT_EQ(r.requests, 0u);
  EXPECT_FALSE(r.avg_request_bytes());
}

TEST(BlockDevice, CountersGoingBackwardsGiveZero) {
  DiskCounters a, b;
  a.write_ios = 100;
  b.write_ios = 5;
  EXPECT_EQ(disk_delta(a, b, true).requests, 0u);
}

TEST(BlockDevice, TmpfsHasNoBlockDevice) {
  EXPECT_FALSE(resolve_block_device("/dev/shm"));
}

}  // namespace
}  // namespace pfsbench::dio_batch
