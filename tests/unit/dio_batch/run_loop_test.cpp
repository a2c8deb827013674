// Guards the run loop without MPI: every engine of the build writes the
// region exactly once with the right data at depth > 1 (which fails if two
// in-flight requests shared a buffer), reads it back, and records one
// latency per request.
#include "run_loop.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
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

std::string engine_test_name(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

INSTANTIATE_TEST_SUITE_P(Engines, RunLoop, ::testing::ValuesIn(available_engines()), engine_test_name);

}  // namespace
}  // namespace pfsbench::dio_batch
