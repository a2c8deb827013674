// UniqueFd closes what it owns exactly once: on destruction, on reset, on
// move-assignment, and reports close() errors.
#include "pfsbench/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <gtest/gtest.h>

namespace pfsbench {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_null() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

TEST(UniqueFd, ClosesOnDestruction) {
  int raw = -1;
  {
    UniqueFd fd(open_null());
    raw = fd.get();
    ASSERT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnershipAndAssignmentClosesTheOld) {
  UniqueFd a(open_null());
  UniqueFd b(open_null());
  const int ra = a.get(), rb = b.get();
  b = std::move(a);
  EXPECT_FALSE(a.valid());
  EXPECT_EQ(b.get(), ra);
  EXPECT_FALSE(is_open(rb));
  EXPECT_TRUE(is_open(ra));
  UniqueFd c(std::move(b));
  EXPECT_EQ(c.get(), ra);
  EXPECT_FALSE(b.valid());
}

TEST(UniqueFd, ReleaseGivesUpOwnership) {
  int raw = -1;
  {
    UniqueFd fd(open_null());
    raw = fd.release();
    EXPECT_FALSE(fd.valid());
  }
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFd, CloseReportsZeroThenNothingLeft) {
  UniqueFd fd(open_null());
  const int raw = fd.get();
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(is_open(raw));
  EXPECT_EQ(fd.close(), 0);  // empty: nothing to close
}

TEST(UniqueFd, CloseReportsTheErrno) {
  const int raw = open_null();
  ::close(raw);  // closed behind its back: close() sees EBADF
  UniqueFd fd(raw);
  EXPECT_EQ(fd.close(), EBADF);
  EXPECT_FALSE(fd.valid());
}

TEST(UniqueFd, ResetClosesTheOldAndOwnsTheNew) {
  UniqueFd fd(open_null());
  const int old = fd.get();
  const int fresh = open_null();
  fd.reset(fresh);
  EXPECT_FALSE(is_open(old));
  EXPECT_EQ(fd.get(), fresh);
  fd.reset();
  EXPECT_FALSE(is_open(fresh));
}

}  // namespace
}  // namespace pfsbench
