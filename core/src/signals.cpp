#include "pfsbench/signals.hpp"

#include <atomic>

#include "pfsbench/node_watch.hpp"

namespace pfsbench {
namespace {
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
extern "C" void on_signal(int sig) {
  g_signal.store(sig, std::memory_order_relaxed);
  node_watch_say('T');  // a node's watcher: taken down on purpose, not lost
}
}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocked read/write returns EINTR and we look at the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupt_signal() noexcept { return g_signal.load(std::memory_order_relaxed); }

}  // namespace pfsbench

namespace pfsbench {
void reset_interrupt_for_tests() noexcept { g_signal.store(0, std::memory_order_relaxed); }
}  // namespace pfsbench
