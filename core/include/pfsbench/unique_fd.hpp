#pragma once
// An owned POSIX file descriptor: closed on destruction, move-only. The one
// RAII fd of pfsbench (tools used to carry their own). No MPI, no throw.

namespace pfsbench {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  /// Closes the descriptor, ignoring errors: the error path. Call close()
  /// where a close error matters (e.g. after writing data).
  ~UniqueFd();

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  /// Gives up ownership; the caller closes the returned fd.
  int release() noexcept {
    const int f = fd_;
    fd_ = -1;
    return f;
  }
  /// Closes the current descriptor (errors ignored) and owns `fd`.
  void reset(int fd = -1) noexcept;
  /// Closes now. Returns 0, or the errno of close(2) (the fd is released
  /// either way: Linux never keeps an fd whose close failed). 0 when empty.
  int close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace pfsbench
