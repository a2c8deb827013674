#include "stonewall_status.hpp"

#include <cerrno>
#include <charconv>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"

namespace pfsbench::ior_like {

std::uint64_t parse_status_text(const std::string& text, const std::string& path, std::uint64_t max_transfers) {
  const char* kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  const auto last = text.find_last_not_of(kSpace);
  std::uint64_t n = 0;
  bool ok = first != std::string::npos;
  if (ok) {
    const char* begin = text.data() + first;
    const char* end = text.data() + last + 1;
    const auto [stop, ec] = std::from_chars(begin, end, n);
    ok = ec == std::errc() && stop == end;
  }
  if (!ok)
    throw UsageError(fmt::format("the stonewalling status file {} does not hold one transfer count (a whole number); "
                                 "it is corrupt or not a status file; rerun the write phase with "
                                 "-O stoneWallingStatusFile={} or give -O stoneWallingWearOutIterations=N",
                                 path, path));
  if (n > max_transfers)
    throw UsageError(fmt::format("the stonewalling status file {} says {} transfers per rank, more than the {} of this "
                                 "run's -b/-t/-s; use the -b, -t and -s of the run that wrote it",
                                 path, n, max_transfers));
  return n;
}

void write_status_file(const std::string& path, std::uint64_t transfers) {
  write_file_atomic(path, fmt::format("{}\n", transfers));
}

std::uint64_t read_status_file(const std::string& path, std::uint64_t max_transfers) {
  const auto text = read_small_file(path);
  if (!text)
    throw UsageError(fmt::format("cannot read the stonewalling status file {} ({}); run the write phase first with "
                                 "-O stoneWallingStatusFile={}, or fix the path",
                                 path, errno_text(errno), path));
  return parse_status_text(*text, path, max_transfers);
}

}  // namespace pfsbench::ior_like
