#include "pfsbench/sigbus.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>

#include "pfsbench/error.hpp"

namespace pfsbench {
namespace {

struct Window {
  const std::byte* base = nullptr;
  std::size_t length = 0;
  std::uint64_t file_offset = 0;
};

thread_local sigjmp_buf* tl_jump = nullptr;
thread_local Window tl_window;
thread_local Fault tl_fault;

struct sigaction g_previous;
std::once_flag g_once;

void on_sigbus(int sig, siginfo_t* info, void* /*ucontext*/) {
  if (tl_jump != nullptr) {
    const auto* addr = static_cast<const std::byte*>(info->si_addr);
    Fault f;
    f.faulted = true;
    if (tl_window.base != nullptr && addr >= tl_window.base && addr < tl_window.base + tl_window.length)
      f.file_offset = tl_window.file_offset + static_cast<std::uint64_t>(addr - tl_window.base);
    else
      f.file_offset = tl_window.file_offset;
    tl_fault = f;
    siglongjmp(*tl_jump, 1);
  }
  // Not a guarded read: give the signal back to whoever had it. Returning
  // re-executes the faulting access, which then meets that disposition.
  sigaction(sig, &g_previous, nullptr);
}

}  // namespace

void install_sigbus_handler() {
  std::call_once(g_once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    // SA_NODEFER: SIGBUS stays unblocked while the handler runs, so leaving
    // it by siglongjmp leaves the thread's mask as it was, and guarded()
    // need not save and restore the mask (a sigprocmask call per guard:
    // per transfer of ior_like -a MMAP).
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &g_previous) != 0)
      throw IoError("sigaction(SIGBUS)", "-", errno, -1, -1, -1, "cannot guard mapped reads");
  });
}

void publish_window(const std::byte* base, std::size_t length, std::uint64_t file_offset) noexcept {
  tl_window.base = base;
  tl_window.length = length;
  tl_window.file_offset = file_offset;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

const std::byte* window_base() noexcept { return tl_window.base; }
std::size_t window_length() noexcept { return tl_window.length; }

namespace detail {

sigjmp_buf* arm(sigjmp_buf* jb) noexcept {
  sigjmp_buf* previous = tl_jump;
  tl_fault = Fault{};
  tl_jump = jb;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return previous;
}

void disarm(sigjmp_buf* previous) noexcept {
  tl_jump = previous;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

Fault last_fault() noexcept { return tl_fault; }

}  // namespace detail
}  // namespace pfsbench
