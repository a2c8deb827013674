// When the watchdog's guards arm this thread's slot (what the monitor
// thread watches), and when they cost nothing because nothing could fire.
#include <gtest/gtest.h>

#include <optional>

#include "pfsbench/watchdog.hpp"

namespace pfsbench {
namespace {

bool armed() {
  const IoSlot* slot = IoWatchdog::thread_slot();
  return slot != nullptr && slot->since_ns.load() != 0;
}

TEST(Watchdog, IoWatchArmsTheSlotWithATimeout) {
  IoWatchdog dog(600.0, [](const StuckCall&) {});
  {
    const IoWatch watch("pwrite", "/f", 4096);
    EXPECT_TRUE(armed());
    const IoSlot* slot = IoWatchdog::thread_slot();
    ASSERT_NE(slot, nullptr);
    EXPECT_STREQ(slot->call.load(), "pwrite");
    EXPECT_EQ(slot->offset.load(), 4096);
  }
  EXPECT_FALSE(armed()) << "disarmed when the guard goes";
}

// --io-timeout 0: no system call can fire, so the guard leaves the slot
// alone (no stores on the hot path).
TEST(Watchdog, IoWatchDoesNothingWithIoTimeoutZero) {
  IoWatchdog dog(0.0, [](const StuckCall&) {});
  const IoWatch watch("pwrite", "/f", 0);
  EXPECT_FALSE(armed());
}

// A collective library call has a limit of its own (--collective-timeout),
// watched even with --io-timeout 0.
TEST(Watchdog, WatchedCallArmsWithItsOwnLimitWhateverTheIoTimeout) {
  IoWatchdog dog(0.0, [](const StuckCall&) {});
  CollectiveLimit limit;
  limit.limit_ns = 60'000'000'000ull;
  limit.path = "/f";
  {
    const WatchedCall watched(&limit, "a collective write");
    EXPECT_TRUE(armed());
    EXPECT_EQ(IoWatchdog::thread_slot()->limit_ns.load(), limit.limit_ns);
  }
  EXPECT_FALSE(armed());
}

TEST(Watchdog, NoWatchdogNoSlot) {
  const IoWatch watch("pwrite", "/f", 0);
  EXPECT_EQ(IoWatchdog::thread_slot(), nullptr);
}

}  // namespace
}  // namespace pfsbench
