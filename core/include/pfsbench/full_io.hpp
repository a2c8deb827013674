#pragma once
// Whole transfers with pwrite/pread: the one policy for partial I/O, EINTR
// and a full disk that every tool follows. No MPI.
//
// Policy:
//  - a short count continues where the last call stopped (POSIX allows a
//    short pwrite/pread on regular files, e.g. after a signal);
//  - EINTR retries, unless the stop predicate says the run is stopping: then
//    the transfer leaves at once with InterruptedError (exit 4), so a
//    Ctrl-C never waits for a large write to finish;
//  - a pwrite that returns 0 for a non-zero size made no progress and never
//    will: it is ENOSPC (what every filesystem we know means by it), never
//    a loop;
//  - a pread that returns 0 is the end of the file: pread_full returns the
//    bytes it read, pread_exact throws.
// Errors are IoError with the operation, path, offset and size of what was
// left, errno text and rank.

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

namespace pfsbench {

/// The file a transfer works on, as its error messages name it.
struct IoFile {
  int fd = -1;
  std::string_view path;
  int rank = 0;
};

/// The system calls under the helpers. Tests substitute doubles (a write
/// that returns 0, EINTR); everything else keeps the defaults.
struct IoSyscalls {
  ssize_t (*pwrite)(int, const void*, std::size_t, off_t) = ::pwrite;
  ssize_t (*pread)(int, void*, std::size_t, off_t) = ::pread;
};

struct IoPolicy {
  /// Asked after each EINTR: true = stop now (InterruptedError), false =
  /// retry. Empty: interrupt_requested() (SIGINT/SIGTERM arrived).
  std::function<bool()> stop;
  /// The operation as messages name it ("pwrite (lay out)"); empty =
  /// "pwrite" / "pread".
  std::string_view op;
  /// Appended to the IoError when it is ENOSPC or EDQUOT, e.g. "lower --size".
  std::string_view full_hint;
  IoSyscalls calls;
};

/// Writes all of `data` at `offset`. Throws IoError (ENOSPC when a call
/// returned 0) or InterruptedError (EINTR while stopping).
void pwrite_full(const IoFile& file, std::span<const std::byte> data, std::uint64_t offset,
                 const IoPolicy& policy = {});

/// Reads `data.size()` bytes at `offset`, fewer only at the end of the file.
/// Returns the bytes read. Throws IoError or InterruptedError as above.
[[nodiscard]] std::size_t pread_full(const IoFile& file, std::span<std::byte> data, std::uint64_t offset,
                                     const IoPolicy& policy = {});

/// pread_full, and the end of the file before `data.size()` bytes is an
/// Error (exit 1): "rank R: read of 'P' at offset O: end of file after D of
/// S bytes; <eof_hint>".
void pread_exact(const IoFile& file, std::span<std::byte> data, std::uint64_t offset, std::string_view eof_hint,
                 const IoPolicy& policy = {});

}  // namespace pfsbench
