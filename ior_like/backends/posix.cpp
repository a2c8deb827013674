// POSIX backend: open/pwrite/pread/fsync/close, optional O_DIRECT.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/posix_file.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/signals.hpp"

namespace pfsbench::ior_like {

int posix_open(const OpenRequest& req, int extra_flags, bool odirect) {
  int flags = O_CLOEXEC | extra_flags | (req.mode == OpenMode::kWrite ? O_CREAT : 0);
  if ((extra_flags & O_ACCMODE) == 0) flags |= req.mode == OpenMode::kWrite ? O_WRONLY : O_RDONLY;
  if (odirect) flags |= O_DIRECT;
  const int fd = ::open(req.path.c_str(), flags, 0644);
  if (fd >= 0) return fd;
  const int err = errno;
  std::string hint;
  if (odirect && err == EINVAL)
    hint = "this filesystem does not support O_DIRECT; run without -B/--posix.odirect";
  else if (err == ENOENT && req.mode == OpenMode::kRead)
    hint = "nothing to read: write it first (-w -k) or point -o at an existing file";
  throw IoError(req.mode == OpenMode::kWrite ? "open for write" : "open for read", req.path, err, req.rank, -1, -1,
                hint);
}

void posix_remove(const std::string& path, int rank) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw IoError("unlink", path, errno, rank);
}

bool posix_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

namespace {

class PosixFile final : public FileHandle {
 public:
  PosixFile(int fd, std::string path, int rank) : fd_(fd), path_(std::move(path)), rank_(rank) {}
  ~PosixFile() override { abandon(); }

  void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) override {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pwrite(fd_, buf + done, size - done, static_cast<off_t>(offset + done));
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR && !interrupt_requested()) continue;
      // pwrite returning 0 for a non-zero size means no progress: report it
      // as ENOSPC, which is what every filesystem we know means by it.
      throw IoError("write", path_, n == 0 ? ENOSPC : errno, rank_, static_cast<std::int64_t>(offset + done),
                    static_cast<std::int64_t>(size - done));
    }
  }

  void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) override {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pread(fd_, buf + done, size - done, static_cast<off_t>(offset + done));
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR && !interrupt_requested()) continue;
      if (n == 0)
        throw Error(ExitCode::kRuntime,
                    fmt::format("rank {}: read failed on '{}' at offset {}: end of file after {} of {} bytes; "
                                "the file is shorter than -b/-t/-s and the rank count expect: was it written "
                                "with the same parameters?",
                                rank_, path_, offset + done, done, size));
      throw IoError("read", path_, errno, rank_, static_cast<std::int64_t>(offset + done),
                    static_cast<std::int64_t>(size - done));
    }
  }

  void fsync() override {
    if (::fsync(fd_) != 0) throw IoError("fsync", path_, errno, rank_);
  }

  void close() override {
    const int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) throw IoError("close", path_, errno, rank_);
  }

  void abandon() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  std::string path_;
  int rank_;
};

class PosixBackend final : public IoBackend {
 public:
  std::string name() const override { return "posix"; }
  BackendCaps caps() const override { return find_backend("posix").caps; }
  std::unique_ptr<FileHandle> open(const Comm&, const OpenRequest& req) override {
    const bool odirect = req.options != nullptr && req.options->odirect;
    return std::make_unique<PosixFile>(posix_open(req, 0, odirect), req.path, req.rank);
  }
  void remove(const std::string& path, int rank) override { posix_remove(path, rank); }
  bool exists(const std::string& path) override { return posix_exists(path); }
};

}  // namespace

std::unique_ptr<IoBackend> make_posix_backend() { return std::make_unique<PosixBackend>(); }

}  // namespace pfsbench::ior_like
