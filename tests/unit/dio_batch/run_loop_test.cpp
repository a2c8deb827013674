// Guards the run loop without MPI: every engine of the build writes the
// region exactly once with the right data at depth > 1 (which fails if two
// in-flight requests shared a buffer), reads it back, and records one
// latency per request.
#include "run_loop.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "file_setup.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/pattern.hpp"
#include "submitter.hpp"
#include "verify.hpp"

namespace pfsbench::dio_batch {
namespace {

class RunLoop : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "dio_batch_run_loop_" + GetParam() + "_" + std::to_string(::getpid());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_P(RunLoop, WritesEveryBlockOnceWithItsOwnData) {
  for (unsigned batch : {1u, 0u, 5u})
  for (bool random : {false, true}) {
    SCOPED_TRACE(testing::Message() << "batch " << batch << " random " << random);
    Config cfg;
    cfg.batch_submit = batch;
    cfg.engine = GetParam();
    cfg.iodepth = engine_caps(cfg.engine).async ? 16 : 1;
    cfg.bs_bytes = 8192;
    cfg.size_bytes = 8192 * 64;
    cfg.rw = random ? Rw::kRandWrite : Rw::kWrite;
    cfg.direct = true;
    prepare_create(path_, Prealloc::kNone, cfg.size_bytes, 0);
    PhaseSpec spec;
    spec.cfg = &cfg;
    spec.path = path_;
    spec.write = true;
    spec.base = 0;
    spec.blocks = 64;
    spec.pattern_seed = 1234;
    spec.offset_seed = 5;
    RankPhaseResult r;
    try {
      r = run_phase(spec);
    } catch (const IoError& e) {
      if (e.error_number() == EINVAL) GTEST_SKIP() << "no O_DIRECT on " << ::testing::TempDir() << ": " << e.what();
      throw;
    }
    EXPECT_EQ(r.ops, 64u);
    EXPECT_EQ(r.bytes, cfg.size_bytes);
    EXPECT_EQ(r.clat.count(), 64u);
    EXPECT_EQ(r.slat.count(), engine_caps(cfg.engine).async ? 64u : 0u);
    EXPECT_FALSE(r.interrupted);
    EXPECT_GE(r.span.duration_s(), r.io.duration_s());
    std::uint64_t series_bytes = 0;
    for (auto v : r.series) series_bytes += v;
    EXPECT_EQ(series_bytes, cfg.size_bytes);
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), cfg.size_bytes);
    const auto v = verify_region(cfg, path_, 0, 0, 64, 64, spec.align, 1234, 5);
    EXPECT_TRUE(v.ok) << "first bad offset " << v.first_bad_offset;
    EXPECT_EQ(v.bytes_checked, cfg.size_bytes);

    // Reading it back through the engine moves the same bytes.
    cfg.rw = random ? Rw::kRandRead : Rw::kRead;
    spec.write = false;
    const auto rd = run_phase(spec);
    EXPECT_EQ(rd.bytes, cfg.size_bytes);
  }
}

TEST_P(RunLoop, VerifyFindsACorruptedBlock) {
  Config cfg;
  cfg.engine = GetParam();
  cfg.iodepth = engine_caps(cfg.engine).async ? 8 : 1;
  cfg.bs_bytes = 4096;
  cfg.size_bytes = 4096 * 32;
  cfg.direct = false;
  prepare_create(path_, Prealloc::kNone, cfg.size_bytes, 0);
  PhaseSpec spec;
  spec.cfg = &cfg;
  spec.path = path_;
  spec.blocks = 32;
  spec.pattern_seed = 99;
  run_phase(spec);
  // Invert every byte of block 5.
  const int fd = ::open(path_.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  std::vector<unsigned char> b(4096);
  ASSERT_EQ(::pread(fd, b.data(), b.size(), 5 * 4096), 4096);
  for (auto& c : b) c = static_cast<unsigned char>(~c);
  ASSERT_EQ(::pwrite(fd, b.data(), b.size(), 5 * 4096), 4096);
  ::close(fd);
  const auto v = verify_region(cfg, path_, 0, 0, 32, 32, spec.align, 99, 0);
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_offset, 5u * 4096u);
  EXPECT_EQ(v.bad_bytes, 4096u);
}

// An engine whose reap fails while its requests are still in the kernel:
// the real engine underneath, reap() returning EIO the first time. What the
// loop must do: quiesce (cancel and wait) before the engine and the
// buffers go. The log records the order.
struct EngineLog {
  std::vector<std::string> events;
  unsigned in_flight_at_quiesce = 0;
  unsigned left_after_quiesce = 99;
};

class FailingReap final : public Submitter {
 public:
  FailingReap(std::unique_ptr<Submitter> real, EngineLog& log) : real_(std::move(real)), log_(log) {}
  ~FailingReap() override {
    log_.events.push_back("destroyed");
    real_.reset();  // the real engine's teardown (io_uring_queue_exit, io_destroy)
  }
  QueueStatus queue(const IoUnit& u, std::int64_t& result) noexcept override { return real_->queue(u, result); }
  int commit() noexcept override {
    const int r = real_->commit();
    if (r > 0) submitted_ += static_cast<unsigned>(r);
    return r;
  }
  int reap(unsigned, std::span<Completion>) noexcept override {
    log_.events.push_back("reap failed");
    return -EIO;
  }
  unsigned quiesce(double timeout_s) noexcept override {
    log_.events.push_back("quiesce");
    log_.in_flight_at_quiesce = submitted_;
    log_.left_after_quiesce = real_->quiesce(timeout_s);
    return log_.left_after_quiesce;
  }

 private:
  std::unique_ptr<Submitter> real_;
  EngineLog& log_;
  unsigned submitted_ = 0;
};

TEST_P(RunLoop, AFailedReapDrainsTheRequestsBeforeTheBuffersGo) {
  Config cfg;
  cfg.engine = GetParam();
  if (!engine_caps(cfg.engine).async) GTEST_SKIP() << "psync never has a request in flight";
  cfg.iodepth = 16;
  cfg.bs_bytes = 65536;
  cfg.size_bytes = 65536 * 64;
  cfg.rw = Rw::kRead;
  cfg.direct = false;
  prepare_create(path_, Prealloc::kNone, cfg.size_bytes, 0);
  {
    PhaseSpec w;
    w.cfg = &cfg;
    w.path = path_;
    w.blocks = 64;
    cfg.rw = Rw::kWrite;
    run_phase(w);
    cfg.rw = Rw::kRead;
  }
  EngineLog log;
  PhaseSpec spec;
  spec.cfg = &cfg;
  spec.path = path_;
  spec.write = false;
  spec.blocks = 64;
  spec.engine_factory = [&](const EngineSetup& setup) {
    return std::make_unique<FailingReap>(make_engine(cfg.engine, setup, path_, 0), log);
  };
  try {
    run_phase(spec);
    FAIL() << "the failed reap was not reported";
  } catch (const IoError& e) {
    EXPECT_EQ(e.error_number(), EIO);
    EXPECT_NE(std::string(e.what()).find("reap"), std::string::npos) << e.what();
  }
  EXPECT_EQ(log.events, (std::vector<std::string>{"reap failed", "quiesce", "destroyed"}));
  EXPECT_EQ(log.in_flight_at_quiesce, 16u) << "the whole depth was in the kernel when reap failed";
  EXPECT_EQ(log.left_after_quiesce, 0u) << "the real engine cancelled or waited for every request";
}

// An engine whose requests never complete: after the bound the loop gives
// the buffers up (never frees them) and says so. The engine "lands" a late
// transfer into the buffer after run_phase returned: freed memory (a 16 MiB
// block is its own mapping, unmapped on free) would crash here.
class NeverCompletes final : public Submitter {
 public:
  explicit NeverCompletes(std::byte*& late) : late_(late) {}
  QueueStatus queue(const IoUnit& u, std::int64_t&) noexcept override {
    late_ = u.buf;
    return QueueStatus::kQueued;
  }
  int commit() noexcept override { return 1; }
  int reap(unsigned, std::span<Completion>) noexcept override { return -EIO; }
  unsigned quiesce(double) noexcept override { return 1; }

 private:
  std::byte*& late_;
};

TEST(RunLoopDrain, RequestsThatNeverCompleteKeepTheirBuffers) {
  const std::string path = ::testing::TempDir() + "dio_batch_never_" + std::to_string(::getpid());
  Config cfg;
  cfg.engine = "psync";
  cfg.iodepth = 1;
  cfg.bs_bytes = 16 << 20;
  cfg.size_bytes = 16 << 20;
  cfg.rw = Rw::kRead;
  cfg.direct = false;
  prepare_create(path, Prealloc::kNone, cfg.size_bytes, 0);
  std::byte* late = nullptr;
  PhaseSpec spec;
  spec.cfg = &cfg;
  spec.path = path;
  spec.write = false;
  spec.blocks = 1;
  spec.drain_timeout_s = 0.01;
  spec.engine_factory = [&](const EngineSetup&) { return std::make_unique<NeverCompletes>(late); };
  std::string message;
  try {
    run_phase(spec);
  } catch (const Error& e) {
    message = e.what();
  }
  std::remove(path.c_str());
  EXPECT_NE(message.find("still in flight"), std::string::npos) << message;
  EXPECT_NE(message.find("left allocated"), std::string::npos) << message;
  ASSERT_NE(late, nullptr);
  std::memset(late, 0x5a, 16 << 20);  // the late transfer: the buffer is still ours
}

std::string engine_test_name(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Engines, RunLoop, ::testing::ValuesIn(available_engines()), engine_test_name);

}  // namespace
}  // namespace pfsbench::dio_batch
