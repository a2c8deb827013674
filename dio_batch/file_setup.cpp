#include "file_setup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/full_io.hpp"

namespace pfsbench::dio_batch {

int target_open_flags(const Config& cfg, bool write) noexcept {
  int flags = O_CLOEXEC;
  if (write) {
    flags |= O_WRONLY;
    if (cfg.mode != Mode::kOverwrite) flags |= O_CREAT;
  } else {
    flags |= O_RDONLY;
  }
  if (cfg.direct) flags |= O_DIRECT;
  // fio: sync=1 (sync) is O_SYNC, sync=dsync is O_DSYNC (writes only).
  if (write && cfg.sync == Sync::kSync) flags |= O_SYNC;
  if (write && cfg.sync == Sync::kDsync) flags |= O_DSYNC;
  return flags;
}

UniqueFd open_target(const Config& cfg, const std::string& path, bool write, int rank) {
  const int flags = target_open_flags(cfg, write);
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    std::string hint;
    if (err == EINVAL && cfg.direct)
      hint = "this filesystem does not support O_DIRECT; run buffered with --direct 0";
    else if (err == ENOENT)
      hint = "the directory does not exist; create it or change -o";
    throw IoError("open", path, err, rank, -1, -1, hint);
  }
  return UniqueFd(fd);
}

std::int64_t file_size_or_missing(const std::string& path, int rank) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return -1;
    throw IoError("stat", path, errno, rank);
  }
  if (!S_ISREG(st.st_mode))
    throw Error(ExitCode::kUsage, fmt::format("rank {}: '{}' is not a regular file; dio_batch writes and reads "
                                              "regular files, point -o at a file path",
                                              rank, path));
  return static_cast<std::int64_t>(st.st_size);
}

void lay_out(const std::string& path, std::uint64_t offset, std::uint64_t bytes, const DataPattern& pattern,
             int rank) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw IoError("open (lay out)", path, errno, rank);
  constexpr std::size_t kChunk = 4u << 20;
  std::vector<std::byte> buf(kChunk);
  PatternBuffer pb(pattern, buf);
  IoPolicy policy;
  policy.op = "pwrite (lay out)";
  policy.full_hint = "not enough space to lay out the existing data; lower --size";
  const IoFile file{fd.get(), path, rank};
  for (std::uint64_t done = 0; done < bytes;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, bytes - done));
    const std::uint64_t off = offset + done;
    pwrite_full(file, pb.prepare(off).first(n), off, policy);
    done += n;
  }
  if (::fdatasync(fd.get()) != 0) throw IoError("fdatasync (lay out)", path, errno, rank);
  ::posix_fadvise(fd.get(), static_cast<off_t>(offset), static_cast<off_t>(bytes), POSIX_FADV_DONTNEED);
  if (const int e = fd.close(); e != 0) throw IoError("close (lay out)", path, e, rank);
}

void prepare_create(const std::string& path, Prealloc prealloc, std::uint64_t total_bytes, int rank) {
  UniqueFd guard(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!guard) throw IoError("open (create)", path, errno, rank);
  const int fd = guard.get();
  if (prealloc == Prealloc::kFallocate) {
    const int r = ::posix_fallocate(fd, 0, static_cast<off_t>(total_bytes));
    if (r != 0)
      throw IoError("posix_fallocate", path, r, rank, 0, static_cast<std::int64_t>(total_bytes),
                    r == EOPNOTSUPP || r == EINVAL ? "this filesystem cannot preallocate; use --prealloc truncate or none"
                                                   : "");
  } else if (prealloc == Prealloc::kTruncate) {
    if (::ftruncate(fd, static_cast<off_t>(total_bytes)) != 0)
      throw IoError("ftruncate", path, errno, rank, 0, static_cast<std::int64_t>(total_bytes));
  }
  if (::fsync(fd) != 0) throw IoError("fsync (create)", path, errno, rank);
  if (const int e = guard.close(); e != 0) throw IoError("close (create)", path, e, rank);
}

SlotBuffers::SlotBuffers(std::size_t slots, std::size_t bytes_each, std::size_t alignment)
    : storage_((bytes_each + alignment - 1) / alignment * alignment * slots, alignment) {
  const std::size_t stride = (bytes_each + alignment - 1) / alignment * alignment;
  spans_.reserve(slots);
  for (std::size_t i = 0; i < slots; ++i) spans_.emplace_back(storage_.data() + i * stride, bytes_each);
}

std::uint64_t pattern_seed(bool shared, int rank) noexcept {
  constexpr std::uint64_t kBase = 0x64696f5f62617463ull;  // "dio_batc"
  return shared ? kBase : kBase ^ (static_cast<std::uint64_t>(rank) + 1) * 0x9e3779b97f4a7c15ull;
}

}  // namespace pfsbench::dio_batch
