// libaio: io_submit / io_getevents on a kernel AIO context of `depth` slots.
#include <libaio.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/watchdog.hpp"
#include "submitter.hpp"

namespace pfsbench::dio_batch {
namespace {

class LibaioEngine final : public Submitter {
 public:
  LibaioEngine(const EngineSetup& s, const std::string& path, int rank)
      : fd_(s.fd), write_(s.write), path_(path), iocbs_(s.depth), staged_(s.depth), events_(s.depth) {
    const int r = io_setup(static_cast<int>(s.depth), &ctx_);
    if (r < 0)
      throw IoError("io_setup", path, -r, rank, -1, -1,
                    -r == EAGAIN ? "the iodepth exceeds /proc/sys/fs/aio-max-nr; lower --iodepth or raise "
                                   "fs.aio-max-nr"
                                 : "");
  }
  ~LibaioEngine() override { io_destroy(ctx_); }
  LibaioEngine(const LibaioEngine&) = delete;
  LibaioEngine& operator=(const LibaioEngine&) = delete;

  QueueStatus queue(const IoUnit& u, std::int64_t&) noexcept override {
    if (nstaged_ == staged_.size()) return QueueStatus::kBusy;
    iocb* cb = &iocbs_[u.slot];
    if (write_)
      io_prep_pwrite(cb, fd_, u.buf, u.len, static_cast<long long>(u.offset));
    else
      io_prep_pread(cb, fd_, u.buf, u.len, static_cast<long long>(u.offset));
    cb->data = reinterpret_cast<void*>(static_cast<std::uintptr_t>(u.slot));
    staged_[nstaged_++] = cb;
    return QueueStatus::kQueued;
  }

  int commit() noexcept override {
    if (nstaged_ == 0) return 0;
    int r;
    do {
      r = io_submit(ctx_, static_cast<long>(nstaged_), staged_.data());
    } while (r == -EINTR);
    if (r < 0) return r == -EAGAIN ? 0 : r;  // EAGAIN: reap first, then retry
    if (static_cast<std::size_t>(r) < nstaged_)
      std::memmove(staged_.data(), staged_.data() + r, (nstaged_ - static_cast<std::size_t>(r)) * sizeof(iocb*));
    nstaged_ -= static_cast<std::size_t>(r);
    in_flight_ += static_cast<unsigned>(r);
    return r;
  }

  int reap(unsigned min, std::span<Completion> out) noexcept override {
    const long max = static_cast<long>(std::min(out.size(), events_.size()));
    // EINTR (a signal, no SA_RESTART): return nothing so the loop can look
    // at the interrupt flag; it calls again to drain.
    int r = 0;
    {
      const IoWatch watch("io_getevents", path_);
      r = io_getevents(ctx_, static_cast<long>(min), max, events_.data(), nullptr);
    }
    if (r == -EINTR) return 0;
    if (r < 0) return r;
    in_flight_ -= static_cast<unsigned>(r);
    for (int i = 0; i < r; ++i) {
      const io_event& ev = events_[static_cast<std::size_t>(i)];
      out[static_cast<std::size_t>(i)].slot =
          static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(ev.data));
      // res is the byte count or -errno (res2 is unused by block/fs DIO).
      out[static_cast<std::size_t>(i)].result = static_cast<std::int64_t>(static_cast<long>(ev.res));
    }
    return r;
  }

  // Kernel AIO cannot cancel file or block-device O_DIRECT requests (io_cancel
  // returns EINVAL there), so this waits for them, bounded.
  unsigned quiesce(double timeout_s) noexcept override {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const double until = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9 + timeout_s;
    while (in_flight_ > 0) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      const double left = until - (static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9);
      if (left <= 0) break;
      timespec wait{static_cast<time_t>(left), static_cast<long>((left - static_cast<double>(static_cast<time_t>(left))) * 1e9)};
      const int r = io_getevents(ctx_, 1, static_cast<long>(events_.size()), events_.data(), &wait);
      if (r < 0 && r != -EINTR) break;
      if (r > 0) in_flight_ -= static_cast<unsigned>(r);
    }
    return in_flight_;
  }

 private:
  int fd_;
  bool write_;
  std::string path_;
  unsigned in_flight_ = 0;
  io_context_t ctx_ = nullptr;
  std::vector<iocb> iocbs_;      // one per slot
  std::vector<iocb*> staged_;
  std::size_t nstaged_ = 0;
  std::vector<io_event> events_;
};

}  // namespace

std::unique_ptr<Submitter> make_libaio(const EngineSetup& setup, const std::string& path, int rank) {
  return std::make_unique<LibaioEngine>(setup, path, rank);
}

}  // namespace pfsbench::dio_batch
