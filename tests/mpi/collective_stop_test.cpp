// CollectiveStop's error path: a rank that leaves the transfer loop with a
// round in flight (or one round short). MPI 3.1 5.12 forbids freeing a
// pending nonblocking collective, so this binary interposes MPI_Request_free
// (the MPI profiling interface) and counts the calls; settle() must complete
// every round instead, after which the ranks have started the same rounds.
#include <gtest/gtest.h>
#include <mpi.h>

#include <atomic>
#include <vector>

#include "pfsbench/collective_stop.hpp"
#include "pfsbench/mpi.hpp"

namespace {
std::atomic<int> request_frees{0};
}  // namespace

extern "C" int MPI_Request_free(MPI_Request* request) {
  ++request_frees;
  return PMPI_Request_free(request);
}

namespace pfsbench {
namespace {

// The last rank starts one round more than the others, then every rank
// leaves as if its step had thrown: nobody calls finish().
TEST(CollectiveStopSettle, ARoundOnlySomeRanksStartedIsCompleted) {
  Comm comm;
  const int frees_before = request_frees.load();
  {
    CollectiveStop stop(comm);
    for (int i = 0; i < 3; ++i) ASSERT_FALSE(stop.stop_before_next(false));
    if (comm.rank() == comm.size() - 1) {
      ASSERT_FALSE(stop.stop_before_next(false));  // round 4: this rank only
    }
    stop.settle(comm);
    const std::vector<int> started = comm.allgather(static_cast<int>(stop.started()));
    for (int s : started) EXPECT_EQ(s, 4) << "every rank completed round 4";
  }
  EXPECT_EQ(request_frees.load(), frees_before) << "a pending collective request was freed";
  EXPECT_TRUE(comm.all_ok(true));  // nobody left behind
}

// Every rank leaves with its last round pending (finish() skipped on an
// error path): settle() waits for it; the destructor frees nothing.
TEST(CollectiveStopSettle, APendingRoundIsWaitedForNotFreed) {
  Comm comm;
  const int frees_before = request_frees.load();
  {
    CollectiveStop stop(comm);
    for (int i = 0; i < 5; ++i) ASSERT_FALSE(stop.stop_before_next(i == 4 && comm.rank() == 0));
    stop.settle(comm);
    EXPECT_EQ(stop.started(), 5u);
  }
  EXPECT_EQ(request_frees.load(), frees_before) << "a pending collective request was freed";
  EXPECT_TRUE(comm.all_ok(true));
}

// The normal path: the loop ends by the agreed stop, finish(), then
// settle() has nothing left to do and adds no round.
TEST(CollectiveStopSettle, AfterFinishSettleAddsNothing) {
  Comm comm;
  CollectiveStop stop(comm);
  int left_at = -1;
  for (int i = 0; i < 50 && left_at < 0; ++i)
    if (stop.stop_before_next(i >= 2)) left_at = i;
  stop.finish();
  const std::uint64_t before = stop.started();
  stop.settle(comm);
  EXPECT_EQ(left_at, 3);
  EXPECT_EQ(stop.started(), before);
}

}  // namespace
}  // namespace pfsbench
