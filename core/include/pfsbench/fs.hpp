#pragma once
// Filesystem facts about a target path and small, safe file helpers.
// No MPI. Nothing here follows symlinks when removing, or runs a shell.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pfsbench {

/// One line of /proc/self/mountinfo that matters to us.
struct MountEntry {
  std::string mount_point;
  std::string fstype;
  std::string source;
  std::string options;       ///< per-mount and superblock options, comma separated
  std::string major_minor;   ///< "8:1" — the device the mount sits on
};

/// The entry whose mount point is the longest prefix of `real_path`
/// (an absolute path without symlinks). Pure: parses `mountinfo_text`.
std::optional<MountEntry> find_mount(std::string_view mountinfo_text, std::string_view real_path);

/// Name of a statfs f_type magic ("ext4", "xfs", "tmpfs", "gpfs", "lustre"...;
/// "unknown" otherwise). ext2/3/4 share a magic and are told apart by mountinfo.
std::string fs_type_name(std::uint64_t magic);

struct FsInfo {
  std::string probed_path;   ///< the existing path that was probed (target or its nearest parent)
  std::string fs_type;       ///< from the statfs magic (refined by mountinfo for ext*)
  std::uint64_t fs_magic = 0;
  std::optional<MountEntry> mount;
  std::uint64_t block_size_bytes = 0;   ///< statfs f_bsize
  std::uint64_t total_bytes = 0;
  std::uint64_t free_bytes = 0;         ///< available to unprivileged users
  std::uint64_t free_inodes = 0;
  /// O_DIRECT alignment from statx(STATX_DIOALIGN), when the kernel and the
  /// filesystem report it (Linux >= 6.1); absent otherwise.
  std::optional<std::uint32_t> dio_mem_align_bytes;
  std::optional<std::uint32_t> dio_offset_align_bytes;
};

/// Probes `path`, or its nearest existing parent when it does not exist.
/// Never throws: fields it cannot read stay empty.
FsInfo probe_filesystem(const std::string& path);

/// The directory part of a path ("." for a bare name).
std::string parent_dir(const std::string& path);

/// Throws IoError when `dir` is not an existing, writable directory. `what`
/// names the option it came from (e.g. "-o").
void require_writable_dir(const std::string& dir, const std::string& what, int rank);

/// Writes `content` to `path` atomically: a temp file in the same directory,
/// fsync, rename. Throws IoError.
void write_file_atomic(const std::string& path, std::string_view content);

/// Reads a whole small file (e.g. under /proc); nullopt when unreadable.
std::optional<std::string> read_small_file(const std::string& path);

}  // namespace pfsbench
