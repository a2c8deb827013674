// ior_like's run() in-process at 1, 2 and 4 ranks with a backend that fails
// on demand: a fault on one rank must stop every rank together (no hang),
// with the phases that finished kept on rank 0.
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <sstream>

#include "backend.hpp"
#include "config.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/signals.hpp"
#include "run.hpp"

namespace pfsbench::ior_like {
namespace {

// Counts transfers; throws ENOSPC on one rank at one write (or raises
// SIGTERM there). In "collective" mode it behaves like MPI-IO with -c: open,
// every transfer and close are real collective calls (an MPI_Allreduce on the
// file communicator), so a rank that skipped one would hang the test.
class FaultyBackend final : public IoBackend {
 public:
  FaultyBackend(int fail_rank, int fail_at_write) : fail_rank_(fail_rank), fail_at_(fail_at_write) {}
  std::string name() const override { return "faulty"; }
  BackendCaps caps() const override {
    BackendCaps c;
    c.creates_files = false;
    c.collective = collective;
    c.collective_open = collective_open || collective || segment_points;
    c.segment_points = segment_points;
    return c;
  }
  std::unique_ptr<FileHandle> open(const Comm& file_comm, const OpenRequest& req) override {
    if (caps().collective_open) meet(file_comm.raw());
    ++opens;
    if (req.rank == fail_rank_ && fail_open) throw IoError("open", req.path, EACCES, req.rank);
    return std::make_unique<File>(*this, req.path, req.rank, file_comm.raw(), req.collective);
  }
  void remove(const std::string&, int) override {}
  bool exists(const std::string&) override { return false; }
  bool collective = false;       ///< transfers, open and close are collective calls
  bool collective_open = false;  ///< open and close only
  bool fail_open = false;        ///< the fail rank's open throws (after the collective part)
  bool fail_setup = false;       ///< the fail rank's set-up throws (after the collective part)
  bool segment_points = false;   ///< begin_segment is a collective call (as HDF5's dataset create)
  long slow_rank_delay_ns = 0;   ///< the fail rank's writes take this long (a straggler)
  std::vector<std::uint64_t> segments_begun;  ///< begin_segment's arguments, in order
  bool raise_sigterm = false;    ///< the fail rank raises SIGTERM instead of failing
  int writes = 0;                ///< writes that moved data
  int calls = 0;                 ///< transfer calls, empty ones included
  int closes = 0, abandons = 0, opens = 0;
  int setups = 0;  ///< set-up calls (a collective call with a collective open)
  long write_delay_ns = 0;  ///< a slow filesystem, so a phase lasts long enough to be cut short

 private:
  static void meet(MPI_Comm comm) {
    int one = 1, sum = 0;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, comm);
  }
  struct File final : FileHandle {
    File(FaultyBackend& b, std::string p, int r, MPI_Comm c, bool coll)
        : be(b), path(std::move(p)), rank(r), comm(c), collective(coll) {}
    ~File() override { abandon(); }
    void write_at(const std::byte*, std::size_t size, std::uint64_t offset) override {
      ++be.calls;
      if (collective) meet(comm);
      if (size == 0) return;
      if (rank == be.fail_rank_ && be.writes == be.fail_at_) {
        if (be.raise_sigterm) {
          std::raise(SIGTERM);
        } else {
          throw IoError("write", path, ENOSPC, rank, static_cast<std::int64_t>(offset),
                        static_cast<std::int64_t>(size));
        }
      }
      ++be.writes;
      const long delay = rank == be.fail_rank_ && be.slow_rank_delay_ns > 0 ? be.slow_rank_delay_ns : be.write_delay_ns;
      if (delay > 0) {
        const timespec t{0, delay};
        nanosleep(&t, nullptr);
      }
    }
    void read_at(std::byte*, std::size_t, std::uint64_t) override {
      ++be.calls;
      if (collective) meet(comm);
    }
    void setup() override {
      if (be.caps().collective_open) meet(comm);
      ++be.setups;
      if (rank == be.fail_rank_ && be.fail_setup) throw IoError("MPI_File_set_view", path, EINVAL, rank);
    }
    void begin_segment(std::uint64_t segment) override {
      if (be.segment_points) meet(comm);
      be.segments_begun.push_back(segment);
    }
    void fsync() override {}
    void close() override {
      if (be.caps().collective_open) meet(comm);
      ++be.closes;
      closed = true;
    }
    void abandon() noexcept override {
      if (!closed) ++be.abandons;
      closed = true;
    }
    FaultyBackend& be;
    std::string path;
    int rank;
    MPI_Comm comm;
    bool collective;
    bool closed = false;
  };
  int fail_rank_, fail_at_;
};

struct Fixture : ::testing::Test {
  Comm comm;
  std::ostringstream out;
  RunContext make_ctx() {
    CommonOptions opts;
    opts.quiet = true;
    RunContext ctx(comm, opts, out);
    ctx.layout = comm.node_layout();
    ctx.clock = synchronize_clocks(comm);
    return ctx;
  }
  Config config() {
    Config cfg;
    cfg.block_bytes = 64 << 10;
    cfg.transfer_bytes = 16 << 10;  // 4 writes per rank per iteration
    cfg.iterations = 3;
    cfg.path = "/nonexistent/ignored";
    return cfg;
  }
};

TEST_F(Fixture, AllIterationsWithoutFault) {
  RunContext ctx = make_ctx();
  FaultyBackend be(-1, 0);
  run(config(), ctx, be);
  if (comm.is_root()) {
    ASSERT_EQ(ctx.result.phases.size(), 6u);  // write+read x 3
    for (const auto& p : ctx.result.phases) {
      EXPECT_EQ(p.bytes, 4u * (16u << 10) * static_cast<unsigned>(comm.size()));
      EXPECT_EQ(p.latency->count, 4u * static_cast<unsigned>(comm.size()));
    }
  }
}

TEST_F(Fixture, FaultOnLastRankInSecondIterationStopsEveryRank) {
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 4 + 2);  // the third write of iteration 1
  try {
    run(config(), ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    EXPECT_EQ(e.code(), ExitCode::kRuntime);
    if (comm.is_root()) {
      ASSERT_EQ(e.rank_messages().size(), 1u);
      EXPECT_NE(e.rank_messages()[0].find("rank " + std::to_string(victim) + ": write failed"), std::string::npos)
          << e.rank_messages()[0];
      EXPECT_NE(e.rank_messages()[0].find("ENOSPC"), std::string::npos);
      // Iteration 0's write and read finished and are kept.
      ASSERT_EQ(ctx.result.phases.size(), 2u);
      EXPECT_EQ(ctx.result.phases[0].name, "write");
      EXPECT_EQ(ctx.result.phases[1].name, "read");
    }
  }
  // Every rank got here: the next collective completes.
  EXPECT_TRUE(comm.all_ok(true));
}

TEST_F(Fixture, AFailureAtTheFirstWriteStopsTheOtherRanksMidPhase) {
  // Without the early stop the other ranks would do all 16384 writes of the
  // phase (seconds here, an hour at 256 GiB per rank) before the agreement.
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 0);
  be.write_delay_ns = 100'000;
  Config cfg = config();
  cfg.block_bytes = 64 << 20;
  cfg.transfer_bytes = 4 << 10;
  cfg.iterations = 1;
  EXPECT_THROW(run(cfg, ctx, be), CollectiveError);
  if (comm.rank() != victim) {
    EXPECT_LT(be.writes, 16384 / 4) << "rank " << comm.rank() << " was not stopped early";
  }
  if (comm.is_root()) {
    EXPECT_TRUE(ctx.result.phases.empty());
  }
  EXPECT_TRUE(comm.all_ok(true));
}

// Collective transfers (-c): a failure on one rank must not leave the others
// inside a collective call. Every rank makes the same number of transfer
// calls (the failing one with empty transfers until the agreed stop), then
// all close together, then all report the failure.
TEST_F(Fixture, CollectiveFaultStopsEveryRankAtTheSameTransfer) {
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 4 + 1);  // the second write of iteration 1
  be.collective = true;
  Config cfg = config();
  cfg.collective = true;
  try {
    run(cfg, ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    EXPECT_EQ(e.code(), ExitCode::kRuntime);
    if (comm.is_root()) {
      EXPECT_NE(e.rank_messages()[0].find("ENOSPC"), std::string::npos) << e.rank_messages()[0];
      ASSERT_EQ(ctx.result.phases.size(), 2u);  // iteration 0 kept
    }
  }
  const auto calls = static_cast<std::uint64_t>(be.calls);
  const std::uint64_t fewest = comm.allreduce_min(calls);  // two collectives, in this order on every rank
  EXPECT_EQ(fewest, comm.allreduce_max(calls)) << "ranks made different numbers of collective transfer calls";
  EXPECT_EQ(be.closes, 3) << "every phase's handle is closed collectively, the failed one too";
  EXPECT_EQ(be.abandons, 0);
  EXPECT_TRUE(comm.all_ok(true));
}

// A signal on one rank in the middle of a collective loop: every rank leaves
// at the same transfer and the run reports "interrupted" (exit 4).
TEST_F(Fixture, SigtermOnOneRankInACollectiveLoopInterruptsEveryRank) {
  install_signal_handlers();
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 2);
  be.collective = true;
  be.raise_sigterm = true;
  Config cfg = config();
  cfg.collective = true;
  cfg.block_bytes = 1 << 20;  // 64 transfers: the stop comes long before the end
  try {
    run(cfg, ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    EXPECT_EQ(e.code(), ExitCode::kInterrupted);
  }
  const auto calls = static_cast<std::uint64_t>(be.calls);
  const std::uint64_t most = comm.allreduce_max(calls);
  const std::uint64_t fewest = comm.allreduce_min(calls);
  EXPECT_EQ(fewest, most);
  EXPECT_LT(most, 64u) << "the loop did not stop early";
  reset_interrupt_for_tests();
  EXPECT_TRUE(comm.all_ok(true));
}

// MPI-IO without -c: transfers are independent but open and close are
// collective. The failing rank leaves its loop, tells the others, and still
// meets them in close; the others stop early instead of finishing the phase.
TEST_F(Fixture, IndependentFaultWithCollectiveCloseMeetsInClose) {
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 0);
  be.collective_open = true;
  be.write_delay_ns = 100'000;
  Config cfg = config();
  cfg.block_bytes = 64 << 20;
  cfg.transfer_bytes = 4 << 10;
  cfg.iterations = 1;
  EXPECT_THROW(run(cfg, ctx, be), CollectiveError);
  EXPECT_EQ(be.closes, 1);
  if (comm.rank() != victim) {
    EXPECT_LT(be.writes, 16384 / 4) << "rank " << comm.rank() << " was not stopped early";
  }
  EXPECT_TRUE(comm.all_ok(true));
}

// An open that fails on one rank only, after the collective part: the
// others hold a handle they cannot close alone. They abandon it (no
// collective), nobody hangs, and the error names the failing rank.
TEST_F(Fixture, OpenFailingOnOneRankIsAgreedAndTheOthersAbandon) {
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 0);
  be.collective_open = true;
  be.fail_open = true;
  EXPECT_THROW(run(config(), ctx, be), CollectiveError);
  EXPECT_EQ(be.closes, 0);
  EXPECT_EQ(be.abandons, comm.rank() == victim ? 0 : 1);
  // The set-up (file view, preallocation, HDF5 dataset) is collective: no
  // rank may enter it when a peer's open failed (it would wait there for
  // the peer forever, a real MPI collective in this backend).
  EXPECT_EQ(be.setups, 0) << "rank " << comm.rank() << " ran the collective set-up after rank " << victim
                          << "'s open failed";
  EXPECT_TRUE(comm.all_ok(true));
}

// The second step of open, the set-up, failing on one rank only: every rank
// opened, so every rank closes its handle collectively (nobody abandons,
// nobody transfers), and the error names the failing rank and call.
TEST_F(Fixture, SetupFailingOnOneRankIsAgreedAndEveryRankCloses) {
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 0);
  be.collective_open = true;
  be.fail_setup = true;
  try {
    run(config(), ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    EXPECT_EQ(e.code(), ExitCode::kRuntime);
    if (comm.is_root()) {
      ASSERT_EQ(e.rank_messages().size(), 1u);
      EXPECT_NE(e.rank_messages()[0].find("rank " + std::to_string(victim) + ": MPI_File_set_view failed"),
                std::string::npos)
          << e.rank_messages()[0];
      EXPECT_TRUE(ctx.result.phases.empty());
    }
  }
  EXPECT_EQ(be.opens, 1);
  EXPECT_EQ(be.setups, 1);
  EXPECT_EQ(be.calls, 0) << "no transfer after a failed set-up";
  EXPECT_EQ(be.closes, 1) << "every rank closes the handle it opened";
  EXPECT_EQ(be.abandons, 0);
  EXPECT_TRUE(comm.all_ok(true));
}

// -g: the ranks meet after open and before close with plain local handles.
// A transfer fault on one rank must not leave the others at a meeting: the
// failing rank keeps its error, meets them, closes, and only then fails.
TEST_F(Fixture, BarriersWithATransferFaultMeetAndCloseEverywhere) {
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 1);  // the second write of the first phase
  Config cfg = config();
  cfg.intra_test_barriers = true;
  try {
    run(cfg, ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    if (comm.is_root()) {
      EXPECT_NE(e.rank_messages()[0].find("ENOSPC"), std::string::npos);
    }
  }
  EXPECT_EQ(be.opens, 1);
  EXPECT_EQ(be.closes, 1) << "every rank closed its handle after the last meeting";
  EXPECT_EQ(be.abandons, 0);
  EXPECT_TRUE(comm.all_ok(true));
}

// -g and an open failing on one rank: the meeting after open tells the
// others, who skip their transfers, meet again and close.
TEST_F(Fixture, BarriersWithAnOpenFaultSkipTheTransfersEverywhere) {
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 0);
  be.fail_open = true;
  Config cfg = config();
  cfg.intra_test_barriers = true;
  EXPECT_THROW(run(cfg, ctx, be), CollectiveError);
  EXPECT_EQ(be.writes, 0) << "rank " << comm.rank() << " wrote after the meeting said rank " << victim << " failed";
  EXPECT_EQ(be.closes, comm.rank() == victim ? 0 : 1);
  EXPECT_TRUE(comm.all_ok(true));
}

// Segment points (HDF5: the dataset of each segment is created by a
// collective call when the loop reaches it). Every rank makes the same
// segment changes in the same order, whatever stops it, and nobody hangs.
std::vector<std::uint64_t> segment_sequence_on_root(const Comm& comm, const std::vector<std::uint64_t>& mine) {
  std::string bytes(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(std::uint64_t));
  const std::vector<std::string> all = comm.gather(bytes);
  std::vector<std::uint64_t> differing;  // ranks whose sequence differs from rank 0's
  for (std::size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differing.push_back(r);
  return differing;
}

TEST_F(Fixture, SegmentPointsBeginEverySegmentInOrder) {
  for (const bool collective : {false, true}) {
    RunContext ctx = make_ctx();
    FaultyBackend be(-1, 0);
    be.segment_points = true;
    be.collective = collective;
    Config cfg = config();
    cfg.collective = collective;
    cfg.iterations = 1;
    cfg.segments = 3;
    run(cfg, ctx, be);
    // Segment 0 is the set-up's; write then read each begin 1 and 2.
    EXPECT_EQ(be.segments_begun, (std::vector<std::uint64_t>{1, 2, 1, 2})) << "collective " << collective;
    EXPECT_EQ(be.writes, 12);
  }
}

TEST_F(Fixture, SegmentPointsIndependentFaultStopsEveryRankAtTheNextSegment) {
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  RunContext ctx = make_ctx();
  const int victim = comm.size() - 1;
  FaultyBackend be(victim, 5);  // the second write of segment 1
  be.segment_points = true;
  be.write_delay_ns = 100'000;
  Config cfg = config();
  cfg.iterations = 1;
  cfg.segments = 50;
  try {
    run(cfg, ctx, be);
    FAIL() << "no error on rank " << comm.rank();
  } catch (const CollectiveError& e) {
    if (comm.is_root()) {
      EXPECT_NE(e.rank_messages()[0].find("ENOSPC"), std::string::npos) << e.rank_messages()[0];
    }
  }
  EXPECT_EQ(be.segments_begun, (std::vector<std::uint64_t>{1})) << "rank " << comm.rank()
                                                                << ": the stop is agreed at the next segment";
  EXPECT_LE(be.writes, 8) << "rank " << comm.rank() << " went past segment 1";
  EXPECT_EQ(be.closes, 1);
  EXPECT_EQ(be.abandons, 0);
  EXPECT_TRUE(comm.all_ok(true));
}

// -D with a straggler and independent transfers: the fast ranks wait for it
// at each segment change, the deadline stops everyone at the next one, and
// every rank made the same changes.
TEST_F(Fixture, SegmentPointsDeadlineWithAStragglerKeepsTheSequenceEqual) {
  RunContext ctx = make_ctx();
  const int straggler = comm.size() - 1;
  FaultyBackend be(straggler, -1);
  be.segment_points = true;
  be.slow_rank_delay_ns = 2'000'000;
  Config cfg = config();
  cfg.iterations = 1;
  cfg.segments = 100'000;
  cfg.deadline_s = 0.1;
  run(cfg, ctx, be);
  const std::vector<std::uint64_t> differing = segment_sequence_on_root(comm, be.segments_begun);
  if (comm.is_root()) {
    EXPECT_TRUE(differing.empty()) << "rank " << differing.front() << " began other segments than rank 0";
    ASSERT_EQ(ctx.result.phases.size(), 2u);
    const auto& sw = ctx.result.phases[0].details["stonewall"];
    EXPECT_TRUE(sw["deadline_hit"].get<bool>());
    const auto& n = ctx.result.phases[0].details["transfers_per_rank"];
    EXPECT_LE(n["max"].get<std::uint64_t>() - n["min"].get<std::uint64_t>(), 4u)
        << "the ranks drifted more than one segment apart";
  }
  EXPECT_LT(be.segments_begun.size(), 2u * 99'999u) << "the deadline did not cut the write";
  EXPECT_TRUE(comm.all_ok(true));
}

// -O minTimeDuration, independent: the passes end together (a rank whose
// minimum time is over does another pass while a peer's is not), whole.
TEST_F(Fixture, SegmentPointsMinTimeEndsOnTheSamePassEverywhere) {
  RunContext ctx = make_ctx();
  FaultyBackend be(comm.size() - 1, -1);
  be.segment_points = true;
  be.write_delay_ns = 500'000;
  Config cfg = config();
  cfg.iterations = 1;
  cfg.write = true;
  cfg.segments = 2;
  cfg.min_time_s = 0.2;
  run(cfg, ctx, be);
  EXPECT_EQ(be.writes % 8, 0) << "whole passes of 8 transfers";
  EXPECT_GT(be.writes, 8);
  const auto writes = static_cast<std::uint64_t>(be.writes);
  EXPECT_EQ(comm.allreduce_max(writes), comm.allreduce_min(writes)) << "every rank did the same passes";
  const std::vector<std::uint64_t> differing = segment_sequence_on_root(comm, be.segments_begun);
  if (comm.is_root()) {
    EXPECT_TRUE(differing.empty()) << "rank " << differing.front() << " began other segments than rank 0";
  }
}

// -O minTimeDuration with collective transfers: the ranks end their passes
// together, on a pass boundary, with the same count.
// (Once disabled as an intermittent lockstep defect, 48 vs 44 calls: the
// test never asked for collective transfers, only the backend's calls were
// collective, so the ranks ran independent transfers, where each rank does
// passes until its own minimum time, as IOR does; under load a rank did one
// pass more. The phase was right; the test now asks for -c, which is what
// it meant, and the independent case below says what holds there.)
TEST_F(Fixture, MinTimeDurationInLockstepEndsOnAPassBoundary) {
  RunContext ctx = make_ctx();
  FaultyBackend be(-1, 0);
  be.collective = true;
  be.write_delay_ns = 1'000'000;
  Config cfg = config();
  cfg.collective = true;
  cfg.iterations = 1;
  cfg.write = true;
  cfg.min_time_s = 0.2;
  run(cfg, ctx, be);
  EXPECT_EQ(be.writes % 4, 0) << "whole passes of 4 transfers";
  EXPECT_GT(be.writes, 4);
  EXPECT_EQ(comm.allreduce_max(static_cast<std::uint64_t>(be.calls)),
            comm.allreduce_min(static_cast<std::uint64_t>(be.calls)))
      << "every rank made the same number of collective calls";
}

// -O minTimeDuration with independent transfers (collective open and close
// only): each rank does whole passes until its own minimum time is over,
// so the counts may differ between ranks, but every rank closes.
TEST_F(Fixture, MinTimeDurationIndependentDoesWholePassesPerRank) {
  RunContext ctx = make_ctx();
  FaultyBackend be(-1, 0);
  be.collective_open = true;
  be.write_delay_ns = 1'000'000;
  Config cfg = config();
  cfg.iterations = 1;
  cfg.write = true;
  cfg.min_time_s = 0.2;
  run(cfg, ctx, be);
  EXPECT_EQ(be.writes % 4, 0) << "whole passes of 4 transfers";
  EXPECT_GT(be.writes, 4);
  EXPECT_EQ(be.closes, 1);
}

}  // namespace
}  // namespace pfsbench::ior_like
