#include "pfsbench/full_io.hpp"
#include "pfsbench/watchdog.hpp"

#include <cerrno>
#include <string>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/signals.hpp"

namespace pfsbench {
namespace {

bool stopping(const IoPolicy& policy) { return policy.stop ? policy.stop() : interrupt_requested(); }

[[noreturn]] void throw_failed(const IoFile& f, const IoPolicy& policy, std::string_view dflt_op, int err,
                               std::uint64_t offset, std::size_t left) {
  const std::string op(policy.op.empty() ? dflt_op : policy.op);
  if (err == EINTR)
    throw InterruptedError(fmt::format("rank {}: interrupted during {} of '{}' at offset {} ({} bytes left)", f.rank,
                                       op, f.path, offset, left));
  const bool full = err == ENOSPC || err == EDQUOT;
  throw IoError(op, std::string(f.path), err, f.rank, static_cast<std::int64_t>(offset),
                static_cast<std::int64_t>(left), full ? std::string(policy.full_hint) : std::string());
}

}  // namespace

void pwrite_full(const IoFile& f, std::span<const std::byte> data, std::uint64_t offset, const IoPolicy& policy) {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t at = offset + done;
    ssize_t n = 0;
    {
      const IoWatch watch("pwrite", f.path, static_cast<std::int64_t>(at));  // the hung-call watchdog
      n = policy.calls.pwrite(f.fd, data.data() + done, data.size() - done, static_cast<off_t>(at));
    }
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    // No progress for a non-zero size is ENOSPC: retrying would loop forever.
    const int err = n == 0 ? ENOSPC : errno;
    if (err == EINTR && !stopping(policy)) continue;
    throw_failed(f, policy, "pwrite", err, at, data.size() - done);
  }
}

std::size_t pread_full(const IoFile& f, std::span<std::byte> data, std::uint64_t offset, const IoPolicy& policy) {
  std::size_t done = 0;
  while (done < data.size()) {
    const std::uint64_t at = offset + done;
    ssize_t n = 0;
    {
      const IoWatch watch("pread", f.path, static_cast<std::int64_t>(at));  // the hung-call watchdog
      n = policy.calls.pread(f.fd, data.data() + done, data.size() - done, static_cast<off_t>(at));
    }
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) break;  // end of file
    const int err = errno;
    if (err == EINTR && !stopping(policy)) continue;
    throw_failed(f, policy, "pread", err, at, data.size() - done);
  }
  return done;
}

void pread_exact(const IoFile& f, std::span<std::byte> data, std::uint64_t offset, std::string_view eof_hint,
                 const IoPolicy& policy) {
  const std::size_t got = pread_full(f, data, offset, policy);
  if (got == data.size()) return;
  std::string msg = fmt::format("rank {}: {} of '{}' at offset {}: end of file after {} of {} bytes", f.rank,
                                policy.op.empty() ? std::string_view("pread") : policy.op, f.path, offset + got, got,
                                data.size());
  if (!eof_hint.empty()) msg += fmt::format("; {}", eof_hint);
  throw Error(ExitCode::kRuntime, msg);
}

}  // namespace pfsbench
