#include "pfsbench/error.hpp"

#include <cstring>

#include <fmt/format.h>

namespace pfsbench {

const char* status_for(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return "ok";
    case ExitCode::kVerify: return "verify_failed";
    case ExitCode::kInterrupted: return "interrupted";
    case ExitCode::kRuntime:
    case ExitCode::kUsage: break;
  }
  return "failed";
}

const char* kind_name(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return "ok";
    case ExitCode::kUsage: return "usage";
    case ExitCode::kVerify: return "verify";
    case ExitCode::kInterrupted: return "interrupted";
    case ExitCode::kRuntime: break;
  }
  return "runtime";
}

int severity(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return 0;
    case ExitCode::kInterrupted: return 1;
    case ExitCode::kVerify: return 2;
    case ExitCode::kRuntime: return 3;
    case ExitCode::kUsage: return 4;
  }
  return 3;
}

ExitCode from_severity(int s) noexcept {
  switch (s) {
    case 0: return ExitCode::kOk;
    case 1: return ExitCode::kInterrupted;
    case 2: return ExitCode::kVerify;
    case 4: return ExitCode::kUsage;
    default: return ExitCode::kRuntime;
  }
}

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", std::strerror(err), name ? name : fmt::format("errno {}", err));
}

static std::string io_message(const std::string& op, const std::string& path, int err, int rank,
                              std::int64_t offset, std::int64_t size, const std::string& hint) {
  std::string msg = fmt::format("rank {}: {} failed on '{}'", rank, op, path);
  if (offset >= 0) msg += fmt::format(" at offset {}", offset);
  if (size >= 0) msg += fmt::format(" (size {})", size);
  msg += ": " + errno_text(err);
  if (!hint.empty()) msg += "; " + hint;
  return msg;
}

IoError::IoError(std::string op, std::string path, int err, int rank, std::int64_t offset,
                 std::int64_t size, std::string hint)
    : Error(ExitCode::kRuntime, io_message(op, path, err, rank, offset, size, hint)),
      op_(std::move(op)),
      path_(std::move(path)),
      errno_(err),
      offset_(offset) {}

}  // namespace pfsbench
