#pragma once
// The last resort against a rank stuck in one call that never returns: a
// POSIX call on a filesystem that stopped answering (an NFS server gone, a
// failover gap, a stuck OST), or an I/O library's collective call (Open MPI
// 4.1's OMPIO deadlocks in a collective read when an aggregator meets EIO;
// HDF5's collective H5Dwrite returns early on the failing rank while the
// others wait in its internal collectives). Our own protocol (agreements,
// CollectiveStop, EarlyStop) keeps ranks in step only while calls return;
// without this, such a job hangs silent until the batch limit and loses
// the run.
//
// Cost on the hot path: each thread that does I/O owns one slot (allocated
// once, on its first watched call). Entering a call is a few relaxed atomic
// stores and a vDSO clock read (no system call, no allocation); leaving it
// is one store. A monitor thread looks at every slot ten times per limit
// (at most once a second); a slot that stays in one call past its limit
// fires `on_stuck` on the monitor thread, once per process.
//
// What happens then (see tool.cpp, which installs the process's watchdog):
// the stuck rank prints where it hangs (host, call, file, offset, waited);
// rank 0 writes the document as failed with the finished phases, then the
// job is aborted. A stuck rank other than 0 sends its report to rank 0 and
// waits, bounded, for rank 0 to confirm the document is written before it
// aborts (WatchdogReports).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <mpi.h>

namespace pfsbench {

/// One thread's current watched call. Written by that thread only (relaxed
/// stores, published by the release store of since_ns), read by the monitor.
struct IoSlot {
  std::atomic<std::uint64_t> since_ns{0};  ///< now_ns() at entry; 0: in no watched call
  std::atomic<const char*> call{nullptr};  ///< string literal: "pwrite", "open", ...
  std::atomic<const char*> path{nullptr};  ///< the caller's path, valid while armed
  std::atomic<std::size_t> path_len{0};
  std::atomic<std::int64_t> offset{-1};    ///< file offset, -1: none
  std::atomic<std::uint64_t> limit_ns{0};  ///< 0: the watchdog's --io-timeout
  std::atomic<const char*> advice{nullptr};  ///< what to try, null: the default advice

  /// Arms the slot unless it is armed already (an outer call watches the
  /// inner one). Returns whether it armed.
  bool enter(const char* c, std::string_view p, std::int64_t off, std::uint64_t limit, const char* adv) noexcept;
  void leave() noexcept { since_ns.store(0, std::memory_order_release); }
};

/// What the monitor found.
struct StuckCall {
  std::string call;
  std::string path;
  std::int64_t offset = -1;
  double waited_s = 0;
  double limit_s = 0;
  std::string advice;  ///< empty: the caller's default
  bool collective = false;  ///< armed with a limit of its own (a library's collective call)
};

class IoWatchdog {
 public:
  using OnStuck = std::function<void(const StuckCall&)>;
  /// Becomes the process's watchdog (the one IoWatch arms) until destroyed.
  /// `io_timeout_s` bounds every watched call without a limit of its own;
  /// <= 0 disables those (calls armed with their own limit are still
  /// watched). `on_stuck` runs on the monitor thread, at most once; the
  /// process must not outlive it for long (it ends in MpiSession::abort).
  IoWatchdog(double io_timeout_s, OnStuck on_stuck);
  ~IoWatchdog();
  IoWatchdog(const IoWatchdog&) = delete;
  IoWatchdog& operator=(const IoWatchdog&) = delete;

  double io_timeout_s() const noexcept { return static_cast<double>(io_timeout_ns_) * 1e-9; }

  /// The calling thread's slot, registered on first use; nullptr when no
  /// watchdog is installed. Cheap: a thread_local read and one relaxed load.
  static IoSlot* thread_slot() noexcept;
  /// The installed watchdog's --io-timeout in ns (0: none or disabled).
  static std::uint64_t current_timeout_ns() noexcept;

 private:
  void watch();

  std::uint64_t io_timeout_ns_;
  OnStuck on_stuck_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

/// RAII: the calling thread is inside `call` on `path` at `offset` for the
/// guard's lifetime. `path` must outlive the guard. A no-op without an
/// installed watchdog, with --io-timeout 0 (no limit could ever fire for
/// it: the hot path then skips the slot's stores too), and inside another
/// watched call.
class IoWatch {
 public:
  IoWatch(const char* call, std::string_view path, std::int64_t offset = -1) noexcept
      : slot_(IoWatchdog::current_timeout_ns() != 0 ? IoWatchdog::thread_slot() : nullptr) {
    if (slot_ != nullptr && !slot_->enter(call, path, offset, 0, nullptr)) slot_ = nullptr;
  }
  ~IoWatch() {
    if (slot_ != nullptr) slot_->leave();
  }
  IoWatch(const IoWatch&) = delete;
  IoWatch& operator=(const IoWatch&) = delete;

 private:
  IoSlot* slot_;
};

/// The limit for an I/O library's collective calls (ior_like's
/// --collective-timeout), which may differ from --io-timeout.
struct CollectiveLimit {
  std::uint64_t limit_ns = 0;
  const char* path = nullptr;    ///< the file, valid while a call is armed
  const char* advice = nullptr;  ///< what to try when it fires
};

/// RAII around one collective library call; a no-op for a null limit.
class WatchedCall {
 public:
  WatchedCall(const CollectiveLimit* limit, const char* call) noexcept
      : slot_(limit != nullptr && limit->limit_ns > 0 ? IoWatchdog::thread_slot() : nullptr) {
    if (slot_ != nullptr &&
        !slot_->enter(call, limit->path != nullptr ? limit->path : "", -1, limit->limit_ns, limit->advice))
      slot_ = nullptr;
  }
  ~WatchedCall() {
    if (slot_ != nullptr) slot_->leave();
  }
  WatchedCall(const WatchedCall&) = delete;
  WatchedCall& operator=(const WatchedCall&) = delete;

 private:
  IoSlot* slot_;
};

/// The report channel from a stuck rank to rank 0, on a private duplicate
/// of the communicator. Rank 0 keeps one receive posted; its main thread
/// tests it while it waits for other ranks (wait_politely) and in I/O loops
/// (RunContext::stop_requested). MPI is initialised FUNNELED, and send() is
/// the one exception besides MPI_Abort: it runs on the stuck rank's monitor
/// thread, after that rank's main thread stopped making progress, only on
/// the way to MPI_Abort.
class WatchdogReports {
 public:
  static constexpr int kMessageBytes = 2048;
  /// COLLECTIVE (duplicates `comm`).
  explicit WatchdogReports(MPI_Comm comm);
  ~WatchdogReports();
  WatchdogReports(const WatchdogReports&) = delete;
  WatchdogReports& operator=(const WatchdogReports&) = delete;

  /// Rank 0, main thread: the report received, if any ("" otherwise).
  std::string poll();
  /// Rank 0, main thread, after the document is written: confirms to the
  /// rank whose report poll() returned.
  void confirm();
  /// A rank other than 0, monitor thread: sends `message` to rank 0 and waits
  /// up to `wait_s` for its confirmation. Returns whether it came.
  bool send_and_wait(const std::string& message, double wait_s);

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  char buf_[kMessageBytes] = {};
  MPI_Request recv_ = MPI_REQUEST_NULL;
  int from_ = -1;
  int ack_ = 1;
};

}  // namespace pfsbench
