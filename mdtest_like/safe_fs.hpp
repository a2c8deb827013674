#pragma once
// Directory handles that never follow symlinks. Every item operation of
// mdtest_like is *at() relative to a directory fd opened here, component by
// component with O_NOFOLLOW, so a symlink planted in the tree is never
// followed (cleanup cannot be steered outside the run's directories).

#include <string>

namespace pfsbench::mdtest_like {

/// An owned file descriptor (closed on destruction). Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  int get() const noexcept { return fd_; }
  int release() noexcept {
    const int f = fd_;
    fd_ = -1;
    return f;
  }
  bool valid() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// Opens directory `relpath` ("a/b/c", relative to `base_fd`) one component
/// at a time with O_DIRECTORY | O_NOFOLLOW. Returns the fd, or -errno
/// (-ENOTDIR when a component is a symlink). The user's -d itself is opened
/// normally by the caller: where it points is the user's choice.
int open_dir_nofollow(int base_fd, const std::string& relpath);

/// Same, throwing IoError("open directory", display_path, errno, rank, hint).
UniqueFd open_dir_or_throw(int base_fd, const std::string& relpath, const std::string& display_path, int rank,
                           const std::string& hint = {});

}  // namespace pfsbench::mdtest_like
