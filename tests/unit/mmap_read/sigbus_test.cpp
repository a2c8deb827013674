// The SIGBUS guard on a real mapping of a file truncated under it: the read
// returns with the file offset of the fault instead of killing the process.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>

#include "checksum.hpp"
#include "pfsbench/sigbus.hpp"

namespace pfsbench::mmap_read {
namespace {

class TempFile {
 public:
  explicit TempFile(std::size_t size) {
    char tmpl[] = "/tmp/pfsb-sigbus-XXXXXX";
    fd_ = mkstemp(tmpl);
    path_ = tmpl;
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(ftruncate(fd_, static_cast<off_t>(size)), 0);
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

TEST(SigbusGuard, ReadBeyondATruncationReturnsTheOffset) {
  install_sigbus_handler();
  const std::size_t size = 16 * 4096;
  TempFile f(size);
  void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd(), 0);
  ASSERT_NE(p, MAP_FAILED);
  const auto* base = static_cast<const std::byte*>(p);
  publish_window(base, size, 1 << 20);  // as if the mapping started at file offset 1 MiB
  ASSERT_EQ(ftruncate(f.fd(), 5 * 4096 + 10), 0);
  std::uint64_t sum = 0;
  const Fault fault = guarded([&] { sum = sum64(base, size); });
  EXPECT_TRUE(fault.faulted);
  EXPECT_EQ(fault.file_offset, (1u << 20) + 6 * 4096u);  // first page past the new end of file
  munmap(p, size);
  publish_window(nullptr, 0, 0);
}

TEST(SigbusGuard, NoFaultNoReport) {
  install_sigbus_handler();
  TempFile f(4096);
  void* p = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, f.fd(), 0);
  ASSERT_NE(p, MAP_FAILED);
  publish_window(static_cast<const std::byte*>(p), 4096, 0);
  std::uint64_t sum = 1;
  const Fault fault = guarded([&] { sum = sum64(static_cast<const std::byte*>(p), 4096); });
  EXPECT_FALSE(fault.faulted);
  EXPECT_EQ(sum, 0u);
  munmap(p, 4096);
  publish_window(nullptr, 0, 0);
}

TEST(SigbusGuard, GuardsAgainAfterAFault) {
  install_sigbus_handler();
  TempFile f(8192);
  void* p = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, f.fd(), 0);
  ASSERT_NE(p, MAP_FAILED);
  const auto* base = static_cast<const std::byte*>(p);
  publish_window(base, 8192, 0);
  ASSERT_EQ(ftruncate(f.fd(), 0), 0);
  for (int round = 0; round < 3; ++round) {
    const Fault fault = guarded([&] { (void)sum64(base + 4096, 4096); });
    EXPECT_TRUE(fault.faulted);
    EXPECT_EQ(fault.file_offset, 4096u);
  }
  munmap(p, 8192);
  publish_window(nullptr, 0, 0);
}

// guarded() does not save the signal mask (no sigprocmask per guard): the
// handler runs SA_NODEFER, so SIGBUS must not be left blocked after a fault
// (a blocked synchronous SIGBUS would kill the next fault's process).
TEST(SigbusGuard, AFaultLeavesSigbusUnblocked) {
  install_sigbus_handler();
  TempFile f(8192);
  void* p = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, f.fd(), 0);
  ASSERT_NE(p, MAP_FAILED);
  publish_window(static_cast<const std::byte*>(p), 8192, 0);
  ASSERT_EQ(ftruncate(f.fd(), 0), 0);
  EXPECT_TRUE(guarded([&] { (void)sum64(static_cast<const std::byte*>(p), 8192); }).faulted);
  sigset_t now;
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, nullptr, &now), 0);
  EXPECT_FALSE(sigismember(&now, SIGBUS));
  munmap(p, 8192);
  publish_window(nullptr, 0, 0);
}

TEST(SigbusGuardDeathTest, AnUnguardedSigbusStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        install_sigbus_handler();
        TempFile f(8192);
        void* p = mmap(nullptr, 8192, PROT_READ, MAP_SHARED, f.fd(), 0);
        if (ftruncate(f.fd(), 0) != 0) std::_Exit(3);
        volatile std::uint64_t s = sum64(static_cast<const std::byte*>(p), 8192);
        (void)s;
        std::_Exit(0);
      },
      ::testing::KilledBySignal(SIGBUS), "");
}

}  // namespace
}  // namespace pfsbench::mmap_read
