#pragma once
// Page-cache state of the file: make it warm or cold, and measure it.
// Local to one node; the caller decides which rank does it. No MPI.

#include <cstdint>
#include <string>

namespace pfsbench::mmap_read {

/// Reads [0, length) of `path` once with pread (1 MiB at a time), so the
/// pages are in this node's page cache. Throws IoError.
void warm_read(const std::string& path, std::uint64_t length, int rank);

/// posix_fadvise(POSIX_FADV_DONTNEED) on the whole file: drops its clean
/// cached pages on this node (a no-op where the cache is the storage, as
/// on tmpfs). Throws IoError.
void fadvise_dontneed(const std::string& path, int rank);

enum class DropResult { kDropped, kNotPermitted };
/// sync(), then "1" into /proc/sys/vm/drop_caches: the page cache of the
/// whole node. kNotPermitted when not root (or in a container that forbids
/// it); throws IoError on other failures.
DropResult drop_caches(int rank);

/// Bytes of [0, length) of `path` that are in the page cache, from mincore
/// over a read-only mapping (1 GiB windows; maps, never touches). Throws
/// IoError.
std::uint64_t resident_bytes(const std::string& path, std::uint64_t length, std::uint64_t page_bytes, int rank);

}  // namespace pfsbench::mmap_read
