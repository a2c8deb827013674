#include "pfsbench/watchdog.hpp"

#include <chrono>

#include "pfsbench/mpi.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {

CollectiveWatchdog::CollectiveWatchdog(double timeout_s, std::function<void(const char*, double)> on_stuck)
    : timeout_ns_(timeout_s > 0 ? static_cast<std::uint64_t>(timeout_s * 1e9) : 0), on_stuck_(std::move(on_stuck)) {
  if (timeout_ns_ > 0) thread_ = std::thread([this] { watch(); });
}

CollectiveWatchdog::~CollectiveWatchdog() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CollectiveWatchdog::arm(const char* call) noexcept {
  if (timeout_ns_ == 0) return;
  call_.store(call, std::memory_order_relaxed);
  armed_at_ns_.store(now_ns(), std::memory_order_release);
}

void CollectiveWatchdog::disarm() noexcept { armed_at_ns_.store(0, std::memory_order_release); }

void CollectiveWatchdog::watch() {
  // Checks ten times per time limit (at most once a second): the abort
  // comes between 1.0 and 1.1 limits after the call was entered.
  const auto step = std::chrono::nanoseconds(std::min<std::uint64_t>(timeout_ns_ / 10 + 1, 1'000'000'000ull));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, step, [this] { return stop_; })) {
    const std::uint64_t since = armed_at_ns_.load(std::memory_order_acquire);
    if (since == 0) continue;
    const std::uint64_t now = now_ns();
    if (now <= since || now - since < timeout_ns_) continue;
    lock.unlock();
    on_stuck_(call_.load(std::memory_order_relaxed), static_cast<double>(now - since) * 1e-9);
    MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
  }
}

}  // namespace pfsbench
