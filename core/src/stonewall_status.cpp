#include "pfsbench/stonewall_status.hpp"

#include <cerrno>
#include <charconv>
#include <span>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/unique_fd.hpp"

namespace pfsbench {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Reads at most kMaxStatusFileBytes + 1 bytes of `path` (core's full-read
/// policy); -1 with errno set on failure.
ssize_t read_head(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  UniqueFd guard(fd);
  out.resize(kMaxStatusFileBytes + 1);
  try {
    out.resize(pread_full(IoFile{fd, path, 0}, std::as_writable_bytes(std::span<char>(out)), 0));
  } catch (const IoError& e) {
    errno = e.error_number();
    return -1;
  }
  return static_cast<ssize_t>(out.size());
}

}  // namespace

std::optional<std::uint64_t> parse_status_count(std::string_view text, std::string& why) {
  std::size_t b = 0, e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  const std::string_view digits = text.substr(b, e - b);
  if (digits.empty()) {
    why = "it is empty";
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (res.ec == std::errc::result_out_of_range) {
    why = "its number is too large";
    return std::nullopt;
  }
  if (res.ec != std::errc() || res.ptr != digits.data() + digits.size()) {
    why = fmt::format("it holds '{}', not one non-negative integer", digits.substr(0, 40));
    return std::nullopt;
  }
  return value;
}

std::string format_status_count(std::uint64_t count) { return fmt::format("{}\n", count); }

std::uint64_t load_status_count(RunContext& ctx, const std::string& path, const StatusFileUse& use) {
  std::uint64_t count = 0;
  ctx.step([&] {
    if (!ctx.comm.is_root()) return;
    std::string text, why;
    const std::string what = fmt::format("{} {}: cannot use the stonewall status file", use.option, path);
    const std::string todo = fmt::format("{}, or give the right path", use.writer);
    if (read_head(path, text) < 0)
      throw UsageError(fmt::format("{}, it cannot be read ({}); {}", what, errno_text(errno), todo));
    if (text.size() > kMaxStatusFileBytes) {
      why = fmt::format("it is longer than {} bytes", kMaxStatusFileBytes);
    } else if (auto v = parse_status_count(text, why)) {
      if (*v <= use.max) {
        count = *v;
        return;
      }
      why = fmt::format("it says {} {} per rank, more than the {} of {}", *v, use.unit, use.max, use.max_what);
    }
    throw UsageError(fmt::format("{}, {} (it must hold one count of {} per rank); {}", what, why, use.unit, todo));
  });
  ctx.comm.bcast(count);
  return count;
}

void store_status_count(RunContext& ctx, const std::string& path, const StatusFileUse& use, std::uint64_t count) {
  ctx.step([&] {
    if (!ctx.comm.is_root()) return;
    try {
      write_file_atomic(path, format_status_count(count));
    } catch (const IoError& e) {  // its hint speaks of the result document
      throw IoError(e.op(), e.path(), e.error_number(), 0, -1, -1,
                    fmt::format("cannot write the {} stonewall status file: its directory must exist and be writable",
                                use.option));
    }
  });
}

}  // namespace pfsbench
