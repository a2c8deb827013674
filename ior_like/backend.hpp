#pragma once
// The backend seam of ior_like (after fio's ioengine_ops and IOR's aiori):
// narrow operations, declared capabilities, every per-file resource in the
// handle. Backends throw IoError on failure and never exit. The driver
// checks the command line against a backend's registry row (capabilities,
// options) and raises one clear usage error, without building the backend.
//
// Collective rules (DESIGN.md, "Collective phases"):
//  - open() is COLLECTIVE over the file communicator when the backend's
//    caps say collective_open (MPI-IO, HDF5); setup(), fsync() and close()
//    too. The open is two agreed steps: open() (the library's file open
//    only), then setup() (file view, preallocation, the first HDF5 dataset),
//    which runs only when every rank's open succeeded, so no rank enters a
//    collective set-up call that a peer whose open failed will never make.
//  - With a collective transfer mode, write_at()/read_at() are COLLECTIVE:
//    every rank of the file communicator calls them the same number of
//    times. A rank with nothing (more) to move calls them with size 0.
//  - abandon() never calls a collective: it is the error path of a rank
//    that cannot meet the others (e.g. its open failed where theirs did
//    not). Destructors abandon; they never call collectives.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan.hpp"
#include "pfsbench/mpi.hpp"

namespace pfsbench::ior_like {

struct BackendCaps {
  bool creates_files = true;     ///< false for the null backend: nothing on disk
  bool file_per_process = true;  ///< -F
  bool fsync = true;             ///< -e
  bool odirect = false;          ///< -B / --posix.odirect
  bool collective = false;       ///< -c: collective transfers
  bool collective_open = false;  ///< open/fsync/close are collective over the file communicator
  bool hints = false;            ///< MPI-IO hints (hints file, IOR_HINT__MPI__ variables)
  bool random_offsets = true;    ///< transfers at any offset, in any order (-z)
  bool use_existing = true;      ///< writes into an existing file without recreating it (-E)
  bool random_blocks = true;     ///< -z -z: a segment's transfers may land in any segment of the file
  /// begin_segment() is COLLECTIVE over the file communicator (HDF5: one
  /// dataset per segment, created or opened when the loop reaches it).
  bool segment_points = false;
};

enum class OpenMode { kWrite, kRead };

/// Options of the backends, each under its own prefix (--mpiio.*, --hdf5.*).
/// Filled by the registry rows' option registration; read by the backends.
struct MpiioOptions {
  std::string hints_file;   ///< --mpiio.hintsFileName (IOR's format)
  bool show_hints = false;  ///< --mpiio.showHints
  bool preallocate = false; ///< --mpiio.preallocate
  bool use_file_view = false;  ///< --mpiio.useFileView
};
struct Hdf5Options {
  bool collective_metadata = false;    ///< --hdf5.collectiveMetadata
  std::uint64_t alignment_bytes = 0;   ///< --hdf5.setAlignment (0: library default)
  std::uint64_t chunk_bytes = 0;       ///< --hdf5.chunkSize (0: contiguous)
  bool no_fill = false;                ///< --hdf5.noFill
  std::string hints_file;              ///< --hdf5.hintsFileName
  bool show_hints = false;             ///< --hdf5.showHints
};
struct BackendOptions {
  bool odirect = false;  ///< -B / --posix.odirect
  MpiioOptions mpiio;
  Hdf5Options hdf5;
};

/// What a phase asks of open(): the file, the IOR layout, the mode.
struct OpenRequest {
  std::string path;
  OpenMode mode = OpenMode::kWrite;
  Layout layout;            ///< ranks, segments, block, transfer (the whole file's shape)
  int data_rank = 0;        ///< whose block this rank moves (for file views / hyperslabs)
  bool collective = false;  ///< -c: collective transfers
  /// MPI hints to pass at open (key -> value), from the hints file and the
  /// IOR_HINT__MPI__ variables, already read by rank 0 and shared.
  std::map<std::string, std::string> hints;
  const BackendOptions* options = nullptr;
  int rank = 0;             ///< world rank, for error messages
};

/// An open file. Not thread-safe.
class FileHandle {
 public:
  virtual ~FileHandle() = default;
  /// Writes exactly `size` bytes at `offset` (a short write is an IoError).
  /// COLLECTIVE in collective mode (size may be 0 then).
  virtual void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) = 0;
  /// Reads exactly `size` bytes at `offset` (end of file is an error).
  /// COLLECTIVE in collective mode (size may be 0 then).
  virtual void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) = 0;
  /// The second step of open: what needs an open file on every rank (MPI-IO
  /// file view and preallocation, HDF5's first dataset). COLLECTIVE where the
  /// backend's open is; called once, only after every rank of the file
  /// communicator has opened. Throws IoError; the caller then closes.
  virtual void setup() {}
  /// Makes `segment` (0 .. -s - 1) the one the next transfers go to; the
  /// set-up made it segment 0. With caps().segment_points it is COLLECTIVE
  /// over the file communicator: the phase loop calls it on every rank, in
  /// the same order, before the first transfer of each segment it reaches
  /// (again from segment 0 on a new pass), also on ranks with nothing left
  /// to move. Throws IoError.
  virtual void begin_segment(std::uint64_t /*segment*/) {}
  /// COLLECTIVE where the backend's open is.
  virtual void fsync() = 0;
  /// COLLECTIVE where the backend's open is. After close() the handle is spent.
  virtual void close() = 0;
  /// Releases what can be released without any collective call; safe to
  /// call on one rank alone, and more than once. Never throws.
  virtual void abandon() noexcept {}
  /// What the library did, for the phase's details (hints in effect, the
  /// MPI-IO component, HDF5 metadata time, ...). Null when nothing to say.
  virtual nlohmann::json facts() const { return nullptr; }
};

class IoBackend {
 public:
  virtual ~IoBackend() = default;
  virtual std::string name() const = 0;
  virtual BackendCaps caps() const = 0;
  /// Opens (kWrite creates without truncating, as IOR does). COLLECTIVE
  /// over `file_comm` when caps().collective_open: all ranks for a shared
  /// file, MPI_COMM_SELF for a file per process. Makes no other collective
  /// call than the open itself: the rest is the handle's setup(). Throws
  /// IoError.
  virtual std::unique_ptr<FileHandle> open(const Comm& file_comm, const OpenRequest& request) = 0;
  /// Removes a file this run created; never follows a symlink (unlink
  /// removes the link itself). Missing files are not an error. Local.
  virtual void remove(const std::string& path, int rank) = 0;
  /// True when `path` exists (lstat: a symlink counts as existing).
  virtual bool exists(const std::string& path) = 0;
};

}  // namespace pfsbench::ior_like
