// io_uring (liburing): one ring of `depth` entries per file; optionally the
// slot buffers registered with the kernel (--fixedbufs, fio's fixedbufs).
#include <liburing.h>
#include <sys/uio.h>

#include <cerrno>
#include <ctime>
#include <string>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/watchdog.hpp"
#include "submitter.hpp"

namespace pfsbench::dio_batch {
namespace {

class UringEngine final : public Submitter {
 public:
  UringEngine(const EngineSetup& s, const std::string& path, int rank)
      : fd_(s.fd), write_(s.write), fixed_(s.fixed_buffers), depth_(s.depth), path_(path) {
    const int r = io_uring_queue_init(s.depth, &ring_, 0);
    if (r < 0)
      throw IoError("io_uring_queue_init", path, -r, rank, -1, -1,
                    -r == ENOMEM ? "the ring does not fit the locked-memory limit; lower --iodepth or raise "
                                   "ulimit -l"
                    : -r == ENOSYS || -r == EPERM
                        ? "io_uring is not available here (kernel or sysctl kernel.io_uring_disabled); use "
                          "--engine libaio"
                        : "");
    if (fixed_) {
      std::vector<iovec> iov;
      iov.reserve(s.buffers.size());
      for (const auto& b : s.buffers) iov.push_back({b.data(), b.size()});
      const int rr = io_uring_register_buffers(&ring_, iov.data(), static_cast<unsigned>(iov.size()));
      if (rr < 0) {
        io_uring_queue_exit(&ring_);
        throw IoError("io_uring_register_buffers", path, -rr, rank, -1, -1,
                      "registering the buffers failed (locked-memory limit?); drop --fixedbufs or raise "
                      "ulimit -l");
      }
    }
  }
  // The loop quiesce()s first: io_uring_queue_exit alone does not wait for
  // requests in flight (the kernel cancels them in the background, after
  // the buffers they write into may have been freed).
  ~UringEngine() override { io_uring_queue_exit(&ring_); }
  UringEngine(const UringEngine&) = delete;
  UringEngine& operator=(const UringEngine&) = delete;

  QueueStatus queue(const IoUnit& u, std::int64_t&) noexcept override {
    if (in_ring_ == depth_) return QueueStatus::kBusy;
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) return QueueStatus::kBusy;
    if (fixed_) {
      if (write_)
        io_uring_prep_write_fixed(sqe, fd_, u.buf, u.len, u.offset, static_cast<int>(u.slot));
      else
        io_uring_prep_read_fixed(sqe, fd_, u.buf, u.len, u.offset, static_cast<int>(u.slot));
    } else {
      if (write_)
        io_uring_prep_write(sqe, fd_, u.buf, u.len, u.offset);
      else
        io_uring_prep_read(sqe, fd_, u.buf, u.len, u.offset);
    }
    io_uring_sqe_set_data64(sqe, u.slot);
    ++in_ring_;
    ++staged_;
    return QueueStatus::kQueued;
  }

  int commit() noexcept override {
    if (staged_ == 0) return 0;
    int r;
    do {
      r = io_uring_submit(&ring_);
    } while (r == -EINTR);
    if (r < 0) return r == -EAGAIN || r == -EBUSY ? 0 : r;
    staged_ -= std::min<unsigned>(staged_, static_cast<unsigned>(r));
    return r;
  }

  int reap(unsigned min, std::span<Completion> out) noexcept override {
    unsigned got = drain(out, 0);
    if (got < min && got < out.size()) {
      // Too little yet: block in the kernel for the rest. EINTR returns what
      // we have so the loop can look at the interrupt flag.
      io_uring_cqe* cqe = nullptr;
      int r = 0;
      {
        const IoWatch watch("io_uring_wait_cqe", path_);
        r = io_uring_wait_cqe_nr(&ring_, &cqe, min - got);
      }
      if (r < 0 && r != -EINTR && r != -ETIME) return r;
      got = drain(out, got);
    }
    in_ring_ -= got;
    return static_cast<int>(got);
  }

  // Submits what is staged (so it can be cancelled too), asks the kernel to
  // cancel every request of the ring, then collects completions until none
  // is in flight or `timeout_s` passed.
  unsigned quiesce(double timeout_s) noexcept override {
    if (in_ring_ == 0) return 0;
    if (staged_ > 0) commit();
    bool cancel_sent = false;
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_); sqe != nullptr) {
      io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
      io_uring_sqe_set_data64(sqe, kCancelTag);
      cancel_sent = io_uring_submit(&ring_) > 0;
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const double start = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
    while (in_ring_ > staged_) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      const double left = start + timeout_s - (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9);
      if (left <= 0) break;
      const double step = left < 0.1 ? left : 0.1;
      __kernel_timespec wait{0, static_cast<long long>(step * 1e9)};
      io_uring_cqe* cqe = nullptr;
      const int r = io_uring_wait_cqe_timeout(&ring_, &cqe, &wait);
      if (r < 0 && r != -ETIME && r != -EINTR) break;
      unsigned head, n = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++n;
        if (io_uring_cqe_get_data64(cqe) != kCancelTag) --in_ring_;
      }
      io_uring_cq_advance(&ring_, n);
    }
    (void)cancel_sent;
    return in_ring_ > staged_ ? in_ring_ - staged_ : 0;
  }

 private:
  static constexpr std::uint64_t kCancelTag = ~0ull;

  // Copies the completions now in the CQ into out[start..], advances the CQ.
  unsigned drain(std::span<Completion> out, unsigned start) noexcept {
    unsigned got = start;
    unsigned n = 0;
    io_uring_cqe* cqe = nullptr;
    unsigned head;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      if (got == out.size()) break;
      out[got].slot = static_cast<std::uint32_t>(io_uring_cqe_get_data64(cqe));
      out[got].result = cqe->res;  // bytes or -errno
      ++got;
      ++n;
    }
    io_uring_cq_advance(&ring_, n);
    return got;
  }

  int fd_;
  bool write_, fixed_;
  unsigned depth_;
  unsigned in_ring_ = 0;  // staged + in flight: never more than depth (CQ overflow)
  unsigned staged_ = 0;
  std::string path_;
  io_uring ring_{};
};

}  // namespace

std::unique_ptr<Submitter> make_uring(const EngineSetup& setup, const std::string& path, int rank) {
  return std::make_unique<UringEngine>(setup, path, rank);
}

}  // namespace pfsbench::dio_batch
