#include "pfsbench/watchdog.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {
namespace {

// Every thread's slot, for the monitor. A thread's slot is registered on
// its first watched call and removed when the thread ends.
std::mutex g_slots_mutex;
std::vector<IoSlot*> g_slots;
std::atomic<IoWatchdog*> g_current{nullptr};
std::atomic<std::uint64_t> g_io_timeout_ns{0};

struct SlotHolder {
  std::unique_ptr<IoSlot> slot;
  IoSlot* get() {
    if (!slot) {
      slot = std::make_unique<IoSlot>();
      const std::lock_guard<std::mutex> lock(g_slots_mutex);
      g_slots.push_back(slot.get());
    }
    return slot.get();
  }
  ~SlotHolder() {
    if (!slot) return;
    const std::lock_guard<std::mutex> lock(g_slots_mutex);
    g_slots.erase(std::remove(g_slots.begin(), g_slots.end(), slot.get()), g_slots.end());
  }
};

thread_local SlotHolder t_slot;

}  // namespace

bool IoSlot::enter(const char* c, std::string_view p, std::int64_t off, std::uint64_t limit,
                   const char* adv) noexcept {
  if (since_ns.load(std::memory_order_relaxed) != 0) return false;
  call.store(c, std::memory_order_relaxed);
  path.store(p.data(), std::memory_order_relaxed);
  path_len.store(p.size(), std::memory_order_relaxed);
  offset.store(off, std::memory_order_relaxed);
  limit_ns.store(limit, std::memory_order_relaxed);
  advice.store(adv, std::memory_order_relaxed);
  since_ns.store(now_ns(), std::memory_order_release);
  return true;
}

IoWatchdog::IoWatchdog(double io_timeout_s, OnStuck on_stuck)
    : io_timeout_ns_(io_timeout_s > 0 ? static_cast<std::uint64_t>(io_timeout_s * 1e9) : 0),
      on_stuck_(std::move(on_stuck)) {
  g_io_timeout_ns.store(io_timeout_ns_, std::memory_order_relaxed);
  g_current.store(this, std::memory_order_release);
  thread_ = std::thread([this] { watch(); });
}

IoWatchdog::~IoWatchdog() {
  g_current.store(nullptr, std::memory_order_release);
  g_io_timeout_ns.store(0, std::memory_order_relaxed);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

IoSlot* IoWatchdog::thread_slot() noexcept {
  if (g_current.load(std::memory_order_relaxed) == nullptr) return nullptr;
  try {
    return t_slot.get();
  } catch (...) {  // no memory for the slot: this thread goes unwatched
    return nullptr;
  }
}

std::uint64_t IoWatchdog::current_timeout_ns() noexcept { return g_io_timeout_ns.load(std::memory_order_relaxed); }

void IoWatchdog::watch() {
  // Looks ten times per shortest limit, at most once a second and at least
  // every 10 ms: a call is reported between 1.0 and 1.1 limits (+ 10 ms)
  // after it was entered. Limits of collective calls are only known when
  // armed, so the step adapts to the shortest limit seen.
  std::uint64_t shortest = io_timeout_ns_ != 0 ? io_timeout_ns_ : 1'000'000'000ull * 10;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto step = std::chrono::nanoseconds(std::clamp<std::uint64_t>(shortest / 10, 10'000'000ull, 1'000'000'000ull));
    if (wake_.wait_for(lock, step, [this] { return stop_; })) return;
    std::optional<StuckCall> stuck;
    {
      const std::lock_guard<std::mutex> slots(g_slots_mutex);
      const std::uint64_t now = now_ns();
      for (IoSlot* s : g_slots) {
        const std::uint64_t since = s->since_ns.load(std::memory_order_acquire);
        if (since == 0) continue;
        const char* call = s->call.load(std::memory_order_relaxed);
        const char* path = s->path.load(std::memory_order_relaxed);
        const std::size_t path_len = s->path_len.load(std::memory_order_relaxed);
        const std::int64_t offset = s->offset.load(std::memory_order_relaxed);
        const std::uint64_t own = s->limit_ns.load(std::memory_order_relaxed);
        const char* advice = s->advice.load(std::memory_order_relaxed);
        // The fields belong to this call only if it is still the same call.
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s->since_ns.load(std::memory_order_relaxed) != since) continue;
        const std::uint64_t limit = own != 0 ? own : io_timeout_ns_;
        if (limit == 0) continue;
        shortest = std::min(shortest, limit);
        if (now <= since || now - since < limit) continue;
        stuck = StuckCall{call != nullptr ? call : "?", path != nullptr ? std::string(path, path_len) : std::string(), offset,
                          static_cast<double>(now - since) * 1e-9, static_cast<double>(limit) * 1e-9,
                          advice != nullptr ? advice : "", own != 0};
        break;
      }
    }
    if (!stuck) continue;
    lock.unlock();
    on_stuck_(*stuck);
    MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
  }
}

WatchdogReports::WatchdogReports(MPI_Comm comm) {
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  if (rank_ == 0) MPI_Irecv(buf_, kMessageBytes, MPI_CHAR, MPI_ANY_SOURCE, 1, comm_, &recv_);
}

WatchdogReports::~WatchdogReports() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || comm_ == MPI_COMM_NULL) return;
  if (recv_ != MPI_REQUEST_NULL) {
    MPI_Cancel(&recv_);
    MPI_Wait(&recv_, MPI_STATUS_IGNORE);
  }
  MPI_Comm_free(&comm_);
}

std::string WatchdogReports::poll() {
  if (recv_ == MPI_REQUEST_NULL) return {};
  int done = 0;
  MPI_Status status;
  MPI_Test(&recv_, &done, &status);
  if (!done) return {};
  from_ = status.MPI_SOURCE;
  buf_[kMessageBytes - 1] = '\0';
  return std::string(buf_);
}

void WatchdogReports::confirm() {
  if (from_ < 0) return;
  MPI_Request req;
  MPI_Isend(&ack_, 1, MPI_INT, from_, 2, comm_, &req);
  // Bounded: the stuck rank waits for it, but never hold rank 0 forever.
  const double until = MPI_Wtime() + 5.0;
  int done = 0;
  while (!done && MPI_Wtime() < until) MPI_Test(&req, &done, MPI_STATUS_IGNORE);
}

bool WatchdogReports::send_and_wait(const std::string& message, double wait_s) {
  if (rank_ == 0 || comm_ == MPI_COMM_NULL) return false;
  static char out[kMessageBytes];
  const std::size_t n = std::min<std::size_t>(message.size(), kMessageBytes - 1);
  std::memcpy(out, message.data(), n);
  out[n] = '\0';
  int ack = 0;
  MPI_Request reqs[2];
  MPI_Irecv(&ack, 1, MPI_INT, 0, 2, comm_, &reqs[1]);
  MPI_Isend(out, static_cast<int>(n + 1), MPI_CHAR, 0, 1, comm_, &reqs[0]);
  const double until = MPI_Wtime() + wait_s;
  const timespec pause{0, 1'000'000};
  int done = 0;
  while (MPI_Wtime() < until) {
    MPI_Testall(2, reqs, &done, MPI_STATUSES_IGNORE);
    if (done) return true;
    nanosleep(&pause, nullptr);
  }
  return false;
}

}  // namespace pfsbench
