#pragma once
// What the block device under a file saw: its request and merge counters
// from /sys/block/DEV/stat, read before and after a phase. Partitions are
// followed to their disk and loop devices to the disk holding their backing
// file, because that is where the I/O scheduler merges requests. No MPI.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pfsbench::dio_batch {

struct BlockDevice {
  std::string name;        ///< the disk whose counters we read, e.g. "vda"
  std::string stat_path;   ///< /sys/block/<name>/stat
  std::vector<std::string> chain;  ///< devices followed, first = the file's own (e.g. loop0, vda)
};

/// The disk under `path` (or its nearest existing parent); nullopt when the
/// file does not sit on a block device (tmpfs, NFS, a parallel FS client).
std::optional<BlockDevice> resolve_block_device(const std::string& path);

/// The fields of /sys/block/DEV/stat we use (Documentation/block/stat.rst).
struct DiskCounters {
  std::uint64_t read_ios = 0, read_merges = 0, read_sectors = 0;
  std::uint64_t write_ios = 0, write_merges = 0, write_sectors = 0;
};

/// Parses the text of a stat file. Pure. nullopt when it has fewer than 7 fields.
std::optional<DiskCounters> parse_disk_stat(std::string_view text);

/// Reads the counters now; nullopt when unreadable.
std::optional<DiskCounters> read_disk_counters(const BlockDevice& dev);

/// after - before for one direction, as the document records it.
struct DiskDelta {
  std::uint64_t requests = 0;
  std::uint64_t merges = 0;
  std::uint64_t bytes = 0;  ///< sectors * 512
  /// bytes / requests: the request size the disk saw; nullopt when none.
  std::optional<double> avg_request_bytes() const noexcept {
    if (requests == 0) return std::nullopt;
    return static_cast<double>(bytes) / static_cast<double>(requests);
  }
};
/// Pure. Counters that went backwards (device reset) give 0.
DiskDelta disk_delta(const DiskCounters& before, const DiskCounters& after, bool write) noexcept;

}  // namespace pfsbench::dio_batch
