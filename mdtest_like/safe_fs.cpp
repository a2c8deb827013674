#include "safe_fs.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {

int open_dir_nofollow(int base_fd, const std::string& relpath) {
  constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  int cur = -1;  // owned, except when it is base_fd
  int at = base_fd;
  std::size_t pos = 0;
  while (pos < relpath.size()) {
    while (pos < relpath.size() && relpath[pos] == '/') ++pos;
    if (pos >= relpath.size()) break;
    std::size_t end = relpath.find('/', pos);
    if (end == std::string::npos) end = relpath.size();
    const std::string comp = relpath.substr(pos, end - pos);
    const int next = ::openat(at, comp.c_str(), kDirFlags | O_NOFOLLOW);
    const int err = errno;
    if (cur >= 0) ::close(cur);
    if (next < 0) return err == ELOOP ? -ENOTDIR : -err;  // a symlink where a directory must be
    cur = next;
    at = cur;
    pos = end;
  }
  if (cur < 0) {  // empty relpath: a duplicate of base_fd
    cur = ::openat(base_fd, ".", kDirFlags);
    if (cur < 0) return -errno;
  }
  return cur;
}

UniqueFd open_dir_or_throw(int base_fd, const std::string& relpath, const std::string& display_path, int rank,
                           const std::string& hint) {
  const int fd = open_dir_nofollow(base_fd, relpath);
  if (fd < 0)
    throw IoError("open directory", display_path, -fd, rank, -1, -1,
                  -fd == ENOTDIR ? "a component is not a directory or is a symlink, which is never followed"
                                 : hint);
  return UniqueFd(fd);
}

}  // namespace pfsbench::mdtest_like
