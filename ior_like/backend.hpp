#pragma once
// The backend seam of ior_like (after fio's ioengine_ops and IOR's aiori):
// narrow operations, declared capabilities, every per-file resource in the
// handle. Backends throw IoError on failure and never exit. The driver
// checks options against caps() and raises one clear usage error.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pfsbench::ior_like {

struct BackendCaps {
  bool creates_files = true;   ///< false for the null backend: nothing on disk
  bool file_per_process = true;
  bool shared_file = true;
  bool fsync = true;
  bool odirect = false;        ///< supports --posix.odirect / -B
};

enum class OpenMode { kWrite, kRead };

struct OpenOptions {
  bool odirect = false;
};

/// An open file. Not thread-safe. The destructor closes quietly when
/// close() was not called (error paths).
class FileHandle {
 public:
  virtual ~FileHandle() = default;
  /// Writes exactly `size` bytes at `offset`; a short write is an IoError.
  virtual void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) = 0;
  /// Reads exactly `size` bytes at `offset`; end of file is an IoError.
  virtual void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) = 0;
  virtual void fsync() = 0;
  virtual void close() = 0;
};

class IoBackend {
 public:
  virtual ~IoBackend() = default;
  virtual std::string name() const = 0;
  virtual BackendCaps caps() const = 0;
  /// Opens (kWrite creates without truncating, as IOR does). `rank` is for
  /// error messages. Throws IoError.
  virtual std::unique_ptr<FileHandle> open(const std::string& path, OpenMode mode, const OpenOptions& opts,
                                           int rank) = 0;
  /// Removes a file this run created; never follows a symlink (unlink
  /// removes the link itself). Missing files are not an error.
  virtual void remove(const std::string& path, int rank) = 0;
  /// True when `path` exists (lstat: a symlink counts as existing).
  virtual bool exists(const std::string& path) = 0;
};

/// Names of the backends built in, in -a order.
std::vector<std::string> available_backends();

/// Case-insensitive ("POSIX", "posix"). Throws UsageError listing the
/// available backends for an unknown name.
std::unique_ptr<IoBackend> make_backend(const std::string& name);

}  // namespace pfsbench::ior_like
