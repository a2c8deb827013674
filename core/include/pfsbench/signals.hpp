#pragma once
// SIGINT/SIGTERM (Slurm sends SIGTERM at the time limit) set a flag; loops
// poll it and stop at the next safe point, so the finished phases are kept
// and the document is written with status "interrupted".

#include <csignal>

namespace pfsbench {

/// Installs the handlers for SIGINT and SIGTERM (once per process).
void install_signal_handlers();

/// The signal that asked us to stop, or 0. Async-signal-safe read.
int interrupt_signal() noexcept;
inline bool interrupt_requested() noexcept { return interrupt_signal() != 0; }

/// Forgets a signal already received. For in-process tests that raise one
/// and then go on; a tool never calls it.
void reset_interrupt_for_tests() noexcept;

}  // namespace pfsbench
