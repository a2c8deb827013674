#include "cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/unique_fd.hpp"

namespace pfsbench::mmap_read {
namespace {

UniqueFd open_ro(const std::string& path, int rank) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw IoError("open(O_RDONLY)", path, errno, rank);
  return fd;
}

}  // namespace

void warm_read(const std::string& path, std::uint64_t length, int rank) {
  const UniqueFd f = open_ro(path, rank);
  constexpr std::size_t kBuf = 1 << 20;
  std::unique_ptr<std::byte[]> buf(new std::byte[kBuf]);
  IoPolicy policy;
  policy.op = "pread (cache warm-up)";
  for (std::uint64_t off = 0; off < length;) {
    const std::size_t want = length - off < kBuf ? static_cast<std::size_t>(length - off) : kBuf;
    pread_exact(IoFile{f.get(), path, rank}, {buf.get(), want}, off, "the file shrank during the run", policy);
    off += want;
  }
}

void fadvise_dontneed(const std::string& path, int rank) {
  const UniqueFd f = open_ro(path, rank);
  const int rc = ::posix_fadvise(f.get(), 0, 0, POSIX_FADV_DONTNEED);
  if (rc != 0) throw IoError("posix_fadvise(DONTNEED)", path, rc, rank);
}

DropResult drop_caches(int rank) {
  ::sync();
  const char* kPath = "/proc/sys/vm/drop_caches";
  const int fd = ::open(kPath, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES || errno == EPERM || errno == EROFS || errno == ENOENT) return DropResult::kNotPermitted;
    throw IoError("open", kPath, errno, rank);
  }
  const ssize_t n = ::write(fd, "1\n", 2);
  const int err = errno;
  ::close(fd);
  if (n != 2) {
    if (err == EACCES || err == EPERM || err == EROFS) return DropResult::kNotPermitted;
    throw IoError("write", kPath, err, rank);
  }
  return DropResult::kDropped;
}

std::uint64_t resident_bytes(const std::string& path, std::uint64_t length, std::uint64_t page_bytes, int rank) {
  if (length == 0) return 0;
  const UniqueFd f = open_ro(path, rank);
  constexpr std::uint64_t kWindow = 1ull << 30;
  std::vector<unsigned char> vec;
  std::uint64_t resident = 0;
  for (std::uint64_t off = 0; off < length; off += kWindow) {
    const std::size_t len = static_cast<std::size_t>(length - off < kWindow ? length - off : kWindow);
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, f.get(), static_cast<off_t>(off));
    if (p == MAP_FAILED) throw IoError("mmap (residency)", path, errno, rank, static_cast<std::int64_t>(off));
    const std::size_t pages = (len + page_bytes - 1) / page_bytes;
    vec.assign(pages, 0);
    const int rc = ::mincore(p, len, vec.data());
    const int err = errno;
    ::munmap(p, len);
    if (rc != 0) throw IoError("mincore", path, err, rank, static_cast<std::int64_t>(off));
    for (std::size_t i = 0; i < pages; ++i)
      if (vec[i] & 1) {
        const std::uint64_t page_off = static_cast<std::uint64_t>(i) * page_bytes;
        resident += len - page_off < page_bytes ? len - page_off : page_bytes;
      }
  }
  return resident;
}

}  // namespace pfsbench::mmap_read
