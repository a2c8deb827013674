// POSIX backend: open/pwrite/pread/fsync/close, optional O_DIRECT.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/posix_file.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/watchdog.hpp"

namespace pfsbench::ior_like {

int posix_open(const OpenRequest& req, int extra_flags, bool odirect) {
  int flags = O_CLOEXEC | extra_flags | (req.mode == OpenMode::kWrite ? O_CREAT : 0);
  if ((extra_flags & O_ACCMODE) == 0) flags |= req.mode == OpenMode::kWrite ? O_WRONLY : O_RDONLY;
  if (odirect) flags |= O_DIRECT;
  int fd = -1;
  {
    const IoWatch watch("open", req.path);
    fd = ::open(req.path.c_str(), flags, 0644);
  }
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

  // The core policy (full_io.hpp): short counts continue, EINTR retries
  // unless the run is stopping, a pwrite returning 0 is ENOSPC.
  void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) override {
    pwrite_full(file(), std::span<const std::byte>(buf, size), offset, write_policy());
  }

  void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) override {
    pread_exact(file(), std::span<std::byte>(buf, size), offset,
                "the file is shorter than -b/-t/-s and the rank count expect: was it written with the same "
                "parameters?",
                read_policy());
  }

  void fsync() override {
    const IoWatch watch("fsync", path_);
    if (::fsync(fd_) != 0) throw IoError("fsync", path_, errno, rank_);
  }

  void close() override {
    const int fd = fd_;
    fd_ = -1;
    const IoWatch watch("close", path_);
    if (fd >= 0 && ::close(fd) != 0) throw IoError("close", path_, errno, rank_);
  }

  void abandon() noexcept override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  IoFile file() const noexcept { return IoFile{fd_, path_, rank_}; }
  static const IoPolicy& write_policy() {
    static const IoPolicy p{{}, "write", "free space on the target or lower -b/-s", {}};
    return p;
  }
  static const IoPolicy& read_policy() {
    static const IoPolicy p{{}, "read", {}, {}};
    return p;
  }

  int fd_;
  std::string path_;
  int rank_;
};

class PosixBackend final : public FileBackend {
 public:
  std::string name() const override { return "posix"; }
  BackendCaps caps() const override { return find_backend("posix").caps; }
  std::unique_ptr<FileHandle> open(const Comm&, const OpenRequest& req) override {
    const bool odirect = req.options != nullptr && req.options->odirect;
    return std::make_unique<PosixFile>(posix_open(req, 0, odirect), req.path, req.rank);
  }
};

}  // namespace

std::unique_ptr<IoBackend> make_posix_backend() { return std::make_unique<PosixBackend>(); }

}  // namespace pfsbench::ior_like
