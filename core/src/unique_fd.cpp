#include "pfsbench/unique_fd.hpp"

#include <unistd.h>

#include <cerrno>

namespace pfsbench {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::close() noexcept {
  if (fd_ < 0) return 0;
  const int r = ::close(release());
  return r == 0 ? 0 : errno;
}

}  // namespace pfsbench
