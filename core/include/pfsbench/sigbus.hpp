#pragma once
// SIGBUS on a mapped file (the file shrank under the mapping) turned into an
// ordinary return with the file offset, per thread, instead of a crash.
//
// How: a process-wide SA_SIGINFO handler; each reader thread arms a
// thread-local sigjmp_buf around its reading loop and publishes the window
// (mapping address, length, file offset) it is touching. A SIGBUS inside an
// armed thread's window jumps back to guarded() with the faulting address;
// any other SIGBUS restores the previous disposition and re-faults, so real
// bugs still crash (or reach MPI's handler) as before.

#include <csetjmp>
#include <cstddef>
#include <cstdint>

namespace pfsbench {

/// Installs the handler once per process (thread-safe, idempotent).
void install_sigbus_handler();

/// The mapping the calling thread is about to touch. Call before the first
/// access of every new mapping; a cheap thread-local store and a compiler
/// fence, so the handler (same thread) sees it.
void publish_window(const std::byte* base, std::size_t length, std::uint64_t file_offset) noexcept;
/// The window last published by this thread (for cleanup after a fault).
const std::byte* window_base() noexcept;
std::size_t window_length() noexcept;

/// Where a guarded region faulted.
struct Fault {
  bool faulted = false;
  std::uint64_t file_offset = 0;  ///< file offset of the faulting address
};

namespace detail {
sigjmp_buf* arm(sigjmp_buf* jb) noexcept;  // returns the previous buffer
void disarm(sigjmp_buf* previous) noexcept;
Fault last_fault() noexcept;
}  // namespace detail

/// Runs fn() with SIGBUS in the published window turned into a return of
/// Fault{true, offset}. fn must not rely on its locals after a fault (it is
/// left by siglongjmp): keep resources outside fn or in the window.
template <class Fn>
Fault guarded(Fn&& fn) {
  sigjmp_buf jb;
  sigjmp_buf* previous = detail::arm(&jb);
  if (sigsetjmp(jb, 0) != 0) {  // the mask needs no restoring: the handler is SA_NODEFER
    detail::disarm(previous);
    return detail::last_fault();
  }
  try {
    fn();
  } catch (...) {
    detail::disarm(previous);
    throw;
  }
  detail::disarm(previous);
  return Fault{};
}

}  // namespace pfsbench
