// Guards the one policy for whole transfers (full_io.hpp): a write that
// returns 0 ends in ENOSPC instead of looping, EINTR with a stop pending
// leaves at once, short counts continue at the right offset, and the end of
// a file is reported. The system calls are test doubles (IoSyscalls), so
// every case is exact and needs no special filesystem.
#include "pfsbench/full_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pfsbench/error.hpp"
#include "pfsbench/unique_fd.hpp"

namespace pfsbench {
namespace {

// A scripted device: each call takes the next step of `script` (a byte
// count to accept, or -errno); after the script, every call accepts all.
struct Script {
  std::vector<long> steps;
  std::size_t next = 0;
  int calls = 0;
  std::vector<off_t> offsets;
  std::vector<unsigned char> file = std::vector<unsigned char>(64, 0);
};
Script g;

ssize_t scripted(std::size_t count, off_t off) {
  ++g.calls;
  g.offsets.push_back(off);
  if (g.calls > 1000) std::abort();  // a loop that never ends fails loudly, not by timeout
  long step = g.next < g.steps.size() ? g.steps[g.next++] : static_cast<long>(count);
  if (step < 0) {
    errno = static_cast<int>(-step);
    return -1;
  }
  return static_cast<ssize_t>(std::min<std::size_t>(count, static_cast<std::size_t>(step)));
}
ssize_t fake_pwrite(int, const void* buf, std::size_t count, off_t off) {
  const ssize_t n = scripted(count, off);
  if (n > 0) std::memcpy(g.file.data() + off, buf, static_cast<std::size_t>(n));
  return n;
}
ssize_t fake_pread(int, void* buf, std::size_t count, off_t off) {
  const ssize_t n = scripted(count, off);
  if (n > 0) std::memcpy(buf, g.file.data() + off, static_cast<std::size_t>(n));
  return n;
}

IoPolicy fake_policy() {
  g = Script{};
  IoPolicy p;
  p.calls.pwrite = fake_pwrite;
  p.calls.pread = fake_pread;
  p.stop = [] { return false; };
  return p;
}

std::vector<std::byte> bytes(std::size_t n, unsigned char first) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(first + i);
  return v;
}

const IoFile kFile{3, "/fs/data", 5};

TEST(PwriteFull, WriteReturningZeroIsEnospcNotALoop) {
  IoPolicy p = fake_policy();
  g.steps = {4, 0};
  p.full_hint = "free space or lower --size";
  const auto data = bytes(10, 0);
  try {
    pwrite_full(kFile, data, 8, p);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(e.error_number(), ENOSPC);
    EXPECT_EQ(e.offset(), 12);  // 8 + the 4 bytes accepted
    EXPECT_EQ(e.path(), "/fs/data");
    EXPECT_EQ(std::string(e.what()),
              "rank 5: pwrite failed on '/fs/data' at offset 12 (size 6): No space left on device (ENOSPC); "
              "free space or lower --size");
  }
  EXPECT_EQ(g.calls, 2);
}

TEST(PwriteFull, ShortWritesContinueWhereTheyStopped) {
  IoPolicy p = fake_policy();
  g.steps = {3, 1, 2};
  const auto data = bytes(10, 100);
  pwrite_full(kFile, data, 20, p);
  EXPECT_EQ(g.offsets, (std::vector<off_t>{20, 23, 24, 26}));
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(g.file[20 + i], 100 + i) << i;
  EXPECT_EQ(g.file[19], 0);
  EXPECT_EQ(g.file[30], 0);
}

TEST(PwriteFull, EintrWithoutStopRetries) {
  IoPolicy p = fake_policy();
  g.steps = {-EINTR, 5, -EINTR};
  int asked = 0;
  p.stop = [&] {
    ++asked;
    return false;
  };
  pwrite_full(kFile, bytes(8, 0), 0, p);
  EXPECT_EQ(g.calls, 4);
  EXPECT_EQ(asked, 2);
}

TEST(PwriteFull, EintrWithStopPendingLeavesAtOnce) {
  IoPolicy p = fake_policy();
  g.steps = {2, -EINTR};
  int asked = 0;
  p.stop = [&] {
    ++asked;
    return true;
  };
  try {
    pwrite_full(kFile, bytes(8, 0), 0, p);
    FAIL() << "no error";
  } catch (const InterruptedError& e) {
    EXPECT_EQ(e.code(), ExitCode::kInterrupted);
    EXPECT_EQ(std::string(e.what()), "rank 5: interrupted during pwrite of '/fs/data' at offset 2 (6 bytes left)");
  }
  EXPECT_EQ(g.calls, 2);
  EXPECT_EQ(asked, 1);
}

TEST(PwriteFull, OtherErrorsCarryOpOffsetSizeAndNoFullHint) {
  IoPolicy p = fake_policy();
  g.steps = {-EIO};
  p.op = "pwrite (lay out)";
  p.full_hint = "lower --size";
  try {
    pwrite_full(kFile, bytes(4096, 0), 1 << 20, p);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(e.error_number(), EIO);
    EXPECT_EQ(e.op(), "pwrite (lay out)");
    EXPECT_EQ(std::string(e.what()),
              "rank 5: pwrite (lay out) failed on '/fs/data' at offset 1048576 (size 4096): Input/output error (EIO)");
  }
}

TEST(PwriteFull, EdquotGetsTheFullHint) {
  IoPolicy p = fake_policy();
  g.steps = {-EDQUOT};
  p.full_hint = "lower --size";
  try {
    pwrite_full(kFile, bytes(1, 0), 0, p);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("(EDQUOT); lower --size"), std::string::npos) << e.what();
  }
}

TEST(PreadFull, ShortReadsContinueAndEndOfFileReturnsTheCount) {
  IoPolicy p = fake_policy();
  for (std::size_t i = 0; i < g.file.size(); ++i) g.file[i] = static_cast<unsigned char>(i);
  g.steps = {2, -EINTR, 3, 0};
  std::vector<std::byte> buf(10);
  EXPECT_EQ(pread_full(kFile, buf, 30, p), 5u);
  EXPECT_EQ(g.offsets, (std::vector<off_t>{30, 32, 32, 35}));
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(static_cast<int>(buf[i]), 30 + static_cast<int>(i));
}

TEST(PreadFull, EintrWithStopPendingLeavesAtOnce) {
  IoPolicy p = fake_policy();
  g.steps = {-EINTR};
  p.stop = [] { return true; };
  std::vector<std::byte> buf(10);
  EXPECT_THROW((void)pread_full(kFile, buf, 0, p), InterruptedError);
  EXPECT_EQ(g.calls, 1);
}

TEST(PreadExact, EndOfFileIsAnErrorWithTheHint) {
  IoPolicy p = fake_policy();
  g.steps = {4, 0};
  std::vector<std::byte> buf(10);
  try {
    pread_exact(kFile, buf, 16, "was it written with the same -b?", p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kRuntime);
    EXPECT_EQ(std::string(e.what()),
              "rank 5: pread of '/fs/data' at offset 20: end of file after 4 of 10 bytes; was it written with the "
              "same -b?");
  }
}

TEST(FullIo, RealFileRoundTripWithTheDefaultCalls) {
  char name[] = "/tmp/pfsbench_full_io_XXXXXX";
  UniqueFd fd(::mkstemp(name));
  ASSERT_TRUE(fd.valid());
  ::unlink(name);
  const auto data = bytes(100000, 7);
  const IoFile f{fd.get(), name, 0};
  pwrite_full(f, data, 4096);
  std::vector<std::byte> back(100000);
  EXPECT_EQ(pread_full(f, back, 4096), back.size());
  EXPECT_EQ(back, data);
  std::vector<std::byte> tail(10);
  EXPECT_EQ(pread_full(f, tail, 4096 + 100000 - 3), 3u);  // the end of the file
}

}  // namespace
}  // namespace pfsbench
