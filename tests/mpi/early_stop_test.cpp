// EarlyStop through RunContext::step at 1, 2 and 4 ranks: a rank whose step
// fails makes the others leave their loops at once (they would otherwise run
// to the end of the phase), a notice never leaks into the next step, and
// every rank failing together does not hang. The loops below are bounded by
// an iteration cap far beyond what the stop needs; a rank that reaches the
// cap has not been stopped, and the test fails on that, not on time.
#include <gtest/gtest.h>
#include <mpi.h>

#include <ctime>
#include <sstream>
#include <string>

#include "pfsbench/error.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench {
namespace {

constexpr long kCap = 200000;  // x 100 us = 20 s; a stop arrives in ~10-20 ms

void nap_100us() {
  const timespec t{0, 100000};
  nanosleep(&t, nullptr);
}

struct EarlyStopTest : ::testing::Test {
  Comm comm;
  std::ostringstream out;
  CommonOptions quiet() {
    CommonOptions o;
    o.quiet = true;
    return o;
  }
  // Loops until stopped or the cap; returns the iterations done.
  static long loop_until_stopped(RunContext& ctx) {
    long i = 0;
    while (i < kCap && !ctx.stop_requested()) {
      nap_100us();
      ++i;
    }
    return i;
  }
};

TEST_F(EarlyStopTest, AFailingRankStopsTheOthersInsideTheStep) {
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx(comm, quiet(), out);
  // Rank 0 failing relays itself; any other rank goes through rank 0.
  for (const int victim : {comm.size() - 1, 0}) {
    long iterations = -1;
    bool threw = false;
    try {
      ctx.step([&] {
        if (comm.rank() == victim)
          throw IoError("write", "/pfs/f", EIO, victim, 4096, 4096);
        iterations = loop_until_stopped(ctx);
      });
    } catch (const CollectiveError& e) {
      threw = true;
      EXPECT_EQ(e.code(), ExitCode::kRuntime);
      if (comm.is_root()) {
        ASSERT_EQ(e.rank_messages().size(), 1u);
        EXPECT_NE(e.rank_messages()[0].find("rank " + std::to_string(victim) + ": write failed"), std::string::npos)
            << e.rank_messages()[0];
      }
    }
    EXPECT_TRUE(threw) << "victim " << victim;
    if (comm.rank() != victim) {
      EXPECT_LT(iterations, kCap) << "rank " << comm.rank() << " was not stopped by rank " << victim;
      EXPECT_GE(iterations, 0);
    }
    EXPECT_FALSE(ctx.early_stop.armed());  // disarmed after the agreement, also on the error path
  }
}

TEST_F(EarlyStopTest, ALateFailureIsRelayedWhileRank0WaitsAndNeverLeaksIntoTheNextStep) {
  if (comm.size() < 3) GTEST_SKIP() << "needs 3 ranks: rank 0 waiting, one looping, one failing";
  RunContext ctx(comm, quiet(), out);
  const int victim = comm.size() - 1;
  // Rank 0 finishes at once and waits in the agreement; the ranks between
  // loop until told to stop; the victim fails later. Its notice goes to
  // rank 0 only, so the looping ranks stop only if rank 0 relays it from
  // inside its wait (service()). Without the relay they run to the cap.
  long iterations = -1;
  EXPECT_THROW(ctx.step([&] {
    if (comm.rank() == 0) return;
    if (comm.rank() != victim) {
      iterations = loop_until_stopped(ctx);
      return;
    }
    for (int i = 0; i < 200; ++i) nap_100us();
    throw IoError("write", "/pfs/f", EIO, victim, 0, 4096);
  }),
               CollectiveError);
  if (comm.rank() != 0 && comm.rank() != victim) {
    EXPECT_LT(iterations, kCap) << "rank " << comm.rank() << " was not stopped: rank 0 did not relay from its wait";
  }
  // The next step is clean: nobody is told to stop, whatever arrived late.
  long next = 0;
  ctx.step([&] {
    for (; next < 300 && !ctx.stop_requested(); ++next) nap_100us();
  });
  EXPECT_EQ(next, 300) << "a notice of the failed step stopped the next one on rank " << comm.rank();
  EXPECT_FALSE(ctx.early_stop.stopped());
}

TEST_F(EarlyStopTest, EveryRankFailingAtOnceDoesNotHang) {
  RunContext ctx(comm, quiet(), out);
  try {
    ctx.step([&] { throw IoError("write", "/pfs/f", ENOSPC, comm.rank(), 0, 4096); });
    FAIL() << "no error";
  } catch (const CollectiveError& e) {
    if (comm.is_root()) {
      EXPECT_EQ(e.rank_messages().size(), static_cast<std::size_t>(comm.size()));
    }
  }
  // And the channel still works for the next failure.
  long iterations = -1;
  EXPECT_THROW(ctx.step([&] {
    if (comm.is_root()) throw IoError("read", "/pfs/f", EIO, 0, 0, 4096);
    iterations = loop_until_stopped(ctx);
  }),
               CollectiveError);
  if (!comm.is_root()) {
    EXPECT_LT(iterations, kCap);
  }
}

TEST_F(EarlyStopTest, WithoutAFailureNobodyStops) {
  RunContext ctx(comm, quiet(), out);
  for (int s = 0; s < 3; ++s) {
    long iterations = 0;
    ctx.step([&] {
      for (; iterations < 200 && !ctx.stop_requested(); ++iterations) nap_100us();
    });
    EXPECT_EQ(iterations, 200);
  }
}

}  // namespace
}  // namespace pfsbench
