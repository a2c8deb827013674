// MMAP backend (IOR's MMAP): the file is mapped whole, writes and reads are
// memcpy to and from the mapping, -e is msync(MS_SYNC) of this rank's
// blocks, close is munmap + close. Opening, removal and existence reuse the
// POSIX helpers. A SIGBUS (the file shorter than the mapping, e.g. truncated
// by someone else) becomes an IoError with the file offset, through the
// guard shared with mmap_read.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/posix_file.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/sigbus.hpp"

namespace pfsbench::ior_like {
namespace {

class MmapFile final : public FileHandle {
 public:
  MmapFile(const OpenRequest& req, int fd) : fd_(fd), req_(req), length_(req.layout.file_bytes()) {
    if (req.mode == OpenMode::kWrite) extend_to(length_);
    else check_length();
    if (length_ == 0) return;
    const int prot = req.mode == OpenMode::kWrite ? PROT_READ | PROT_WRITE : PROT_READ;
    void* p = ::mmap(nullptr, length_, prot, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      abandon();
      throw IoError("mmap", req_.path, err, req_.rank, 0, static_cast<std::int64_t>(length_),
                    err == ENODEV ? "this filesystem does not support mmap; use -a POSIX" : "");
    }
    base_ = static_cast<std::byte*>(p);
  }
  ~MmapFile() override { abandon(); }

  void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) override {
    copy(base_ + offset, buf, size, offset, "write (memcpy to the mapping)");
  }
  void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) override {
    copy(buf, base_ + offset, size, offset, "read (memcpy from the mapping)");
  }

  void fsync() override {
    // Only this rank's blocks: msync of the whole shared file would also
    // flush the other ranks' pages and charge their cost to every rank.
    const auto& l = req_.layout;
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    for (std::uint64_t seg = 0; seg < l.segments; ++seg) {
      const std::uint64_t start = transfer_offset(l, req_.data_rank, seg, 0);
      const std::uint64_t aligned = start / page * page;
      if (::msync(base_ + aligned, start - aligned + l.block_bytes, MS_SYNC) != 0)
        throw IoError("msync", req_.path, errno, req_.rank, static_cast<std::int64_t>(start),
                      static_cast<std::int64_t>(l.block_bytes));
    }
  }

  void close() override {
    int err = 0;
    const char* op = "munmap";
    if (base_ != nullptr && ::munmap(base_, length_) != 0) err = errno;
    base_ = nullptr;
    if (fd_ >= 0 && ::close(fd_) != 0 && err == 0) {
      err = errno;
      op = "close";
    }
    fd_ = -1;
    if (err != 0) throw IoError(op, req_.path, err, req_.rank);
  }

  void abandon() noexcept override {
    if (base_ != nullptr) ::munmap(base_, length_);
    base_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void copy(std::byte* to, const std::byte* from, std::size_t size, std::uint64_t offset, const char* op) {
    if (size == 0) return;
    publish_window(base_, length_, 0);
    const Fault f = guarded([&] { std::memcpy(to, from, size); });
    if (f.faulted)
      throw IoError(op, req_.path, EFAULT, req_.rank, static_cast<std::int64_t>(f.file_offset),
                    static_cast<std::int64_t>(size - (f.file_offset - offset)),
                    "SIGBUS: the file ends before this offset (truncated while mapped?)");
  }

  // Writers size the file first: a mapping cannot extend it. Only ever
  // grows it (a shared file is sized by every rank to the same length).
  void extend_to(std::uint64_t length) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("fstat", errno);
    if (static_cast<std::uint64_t>(st.st_size) < length && ::ftruncate(fd_, static_cast<off_t>(length)) != 0)
      fail("ftruncate", errno);
  }

  void check_length() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("fstat", errno);
    if (static_cast<std::uint64_t>(st.st_size) < length_) {
      const auto size = static_cast<std::uint64_t>(st.st_size);
      abandon();
      throw Error(ExitCode::kRuntime,
                  fmt::format("rank {}: cannot map '{}' for reading: it holds {} bytes, the layout needs {}; was it "
                              "written with the same -b/-t/-s and rank count?",
                              req_.rank, req_.path, size, length_));
    }
  }

  [[noreturn]] void fail(const char* op, int err) {
    abandon();
    throw IoError(op, req_.path, err, req_.rank, -1, static_cast<std::int64_t>(length_));
  }

  int fd_;
  std::byte* base_ = nullptr;
  OpenRequest req_;
  std::uint64_t length_;
};

class MmapBackend final : public FileBackend {
 public:
  MmapBackend() { install_sigbus_handler(); }
  std::string name() const override { return "mmap"; }
  BackendCaps caps() const override { return find_backend("mmap").caps; }
  std::unique_ptr<FileHandle> open(const Comm&, const OpenRequest& req) override {
    // A writable shared mapping needs the file open for reading too.
    const int fd = posix_open(req, req.mode == OpenMode::kWrite ? O_RDWR : O_RDONLY, false);
    return std::make_unique<MmapFile>(req, fd);
  }
};

}  // namespace

std::unique_ptr<IoBackend> make_mmap_backend() { return std::make_unique<MmapBackend>(); }

}  // namespace pfsbench::ior_like
