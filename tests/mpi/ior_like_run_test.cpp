// ior_like's run() in-process at 1, 2 and 4 ranks with a backend that fails
// on demand: a fault on one rank must stop every rank together (no hang),
// with the phases that finished kept on rank 0.
#include <gtest/gtest.h>

#include <ctime>
#include <sstream>

#include "backend.hpp"
#include "config.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/rank_stats.hpp"
#include "run.hpp"

namespace pfsbench::ior_like {
namespace {

// Counts transfers; throws ENOSPC on one rank at one write.
class FaultyBackend final : public IoBackend {
 public:
  FaultyBackend(int fail_rank, int fail_at_write) : fail_rank_(fail_rank), fail_at_(fail_at_write) {}
  std::string name() const override { return "faulty"; }
  BackendCaps caps() const override {
    BackendCaps c;
    c.creates_files = false;
    return c;
  }
  std::unique_ptr<FileHandle> open(const std::string& path, OpenMode, const OpenOptions&, int rank) override {
    return std::make_unique<File>(*this, path, rank);
  }
  void remove(const std::string&, int) override {}
  bool exists(const std::string&) override { return false; }
  int writes = 0;
  long write_delay_ns = 0;  ///< a slow filesystem, so a phase lasts long enough to be cut short

 private:
  struct File final : FileHandle {
    File(FaultyBackend& b, std::string p, int r) : be(b), path(std::move(p)), rank(r) {}
    void write_at(const std::byte*, std::size_t size, std::uint64_t offset) override {
      if (rank == be.fail_rank_ && be.writes == be.fail_at_)
        throw IoError("write", path, ENOSPC, rank, static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size));
      ++be.writes;
      if (be.write_delay_ns > 0) {
        const timespec t{0, be.write_delay_ns};
        nanosleep(&t, nullptr);
      }
    }
    void read_at(std::byte*, std::size_t, std::uint64_t) override {}
    void fsync() override {}
    void close() override {}
    FaultyBackend& be;
    std::string path;
    int rank;
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

}  // namespace
}  // namespace pfsbench::ior_like
