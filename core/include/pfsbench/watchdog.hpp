#pragma once
// The last resort against a rank stuck inside an I/O library's collective
// call. Our own protocol (CollectiveStop, agreements, EarlyStop) keeps every
// rank in step as long as the library's calls return. Some do not return
// after an error: Open MPI 4.1's OMPIO deadlocks in a collective read when
// an aggregator meets EIO, and HDF5's collective H5Dwrite returns early on
// the failing rank while the others wait in its internal collectives. Such a
// job would hang until the scheduler's time limit, and lose the run.
//
// A watchdog thread watches the calling thread's "armed" collective call; a
// call that stays armed past the time limit runs `on_stuck` on the watchdog
// thread (write what was measured, say what is stuck), which then ends the
// job (MpiSession::abort: the only MPI call made off the main thread, as
// MPI_Abort must work from a rank whose main thread is blocked). arm() and
// disarm() are two relaxed atomic stores: cheap enough for every transfer.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pfsbench {

class CollectiveWatchdog {
 public:
  /// `on_stuck(call, waited_s)` runs on the watchdog thread when a call
  /// stays armed longer than `timeout_s`; the job is aborted with exit code
  /// 1 after it returns. No thread is started when timeout_s <= 0.
  CollectiveWatchdog(double timeout_s, std::function<void(const char* call, double waited_s)> on_stuck);
  ~CollectiveWatchdog();
  CollectiveWatchdog(const CollectiveWatchdog&) = delete;
  CollectiveWatchdog& operator=(const CollectiveWatchdog&) = delete;

  /// The calling thread enters `call` (a string literal naming the library
  /// call, e.g. "MPI_File_write_at_all").
  void arm(const char* call) noexcept;
  void disarm() noexcept;
  bool enabled() const noexcept { return timeout_ns_ > 0; }

 private:
  void watch();

  std::uint64_t timeout_ns_;
  std::function<void(const char*, double)> on_stuck_;
  std::atomic<std::uint64_t> armed_at_ns_{0};  ///< 0: not in a watched call
  std::atomic<const char*> call_{nullptr};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

/// RAII arm/disarm around one library call.
class WatchedCall {
 public:
  WatchedCall(CollectiveWatchdog* dog, const char* call) noexcept : dog_(dog) {
    if (dog_ != nullptr) dog_->arm(call);
  }
  ~WatchedCall() {
    if (dog_ != nullptr) dog_->disarm();
  }
  WatchedCall(const WatchedCall&) = delete;
  WatchedCall& operator=(const WatchedCall&) = delete;

 private:
  CollectiveWatchdog* dog_;
};

}  // namespace pfsbench
