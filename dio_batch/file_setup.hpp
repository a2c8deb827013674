#pragma once
// Opening the target and the untimed preparation around a phase: laying out
// existing data for overwrite/read, emptying and preallocating for create.
// No MPI: the tool decides which rank does what.

#include <cstdint>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config.hpp"
#include "pfsbench/aligned_buffer.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/unique_fd.hpp"

namespace pfsbench::dio_batch {

/// The open(2) flags of the phase: O_WRONLY (O_CREAT for create/append) or
/// O_RDONLY, O_DIRECT with --direct 1, and for writes O_SYNC (--sync, fio
/// sync=1) or O_DSYNC (--sync=dsync). Pure.
int target_open_flags(const Config& cfg, bool write) noexcept;

/// Opens `path` for the phase with target_open_flags(). Throws IoError; EINVAL
/// with O_DIRECT says that the filesystem does not support O_DIRECT and to
/// use --direct 0.
UniqueFd open_target(const Config& cfg, const std::string& path, bool write, int rank);

/// Size of `path` in bytes, or -1 when it does not exist. Throws IoError on
/// other stat errors.
std::int64_t file_size_or_missing(const std::string& path, int rank);

/// Writes the pattern into [offset, offset + bytes) of `path` (created when
/// missing), buffered, then fdatasync and drops the range from the page
/// cache. Untimed preparation. Throws IoError.
void lay_out(const std::string& path, std::uint64_t offset, std::uint64_t bytes, const DataPattern& pattern,
             int rank);

/// --mode create: empties (or creates) `path`, then preallocates
/// [0, total_bytes) as asked. Untimed. Throws IoError.
void prepare_create(const std::string& path, Prealloc prealloc, std::uint64_t total_bytes, int rank);

/// Aligned memory, one block per in-flight slot, freed on destruction.
class SlotBuffers {
 public:
  SlotBuffers(std::size_t slots, std::size_t bytes_each, std::size_t alignment);
  std::span<const std::span<std::byte>> spans() const noexcept { return spans_; }
  std::byte* slot(std::size_t i) const noexcept { return spans_[i].data(); }

 private:
  AlignedBuffer storage_;  ///< all slots, faulted in at allocation
  std::vector<std::span<std::byte>> spans_;
};

/// The pattern seed of a file: the same for every rank in a shared file
/// (content depends on the offset only), per rank for file-per-rank.
std::uint64_t pattern_seed(bool shared, int rank) noexcept;

}  // namespace pfsbench::dio_batch
