#pragma once
// O_DIRECT alignment: the one rule every tool uses. No MPI.
//
// Rule: memory and offset alignment come from statx(STATX_DIOALIGN) when the
// kernel and filesystem report it; otherwise both are the logical block size
// of the device under the file; otherwise 4096. Request sizes, region sizes
// and every offset must be multiples of the offset alignment; buffers are
// aligned to max(memory alignment, 4096) so a buffer is also page aligned.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pfsbench {

struct DioAlignment {
  std::uint32_t mem_bytes = 4096;
  std::uint32_t offset_bytes = 4096;
  std::string source = "default";  ///< "statx", "logical_block_size" or "default"
};

inline constexpr std::uint32_t kDefaultDioAlignment = 4096;

/// Applies the rule to what was probed. Pure.
DioAlignment resolve_dio_alignment(std::optional<std::uint32_t> statx_mem, std::optional<std::uint32_t> statx_offset,
                                   std::optional<std::uint32_t> logical_block_size);

/// The logical block size of the block device under `path` (or its nearest
/// existing parent; a partition answers for its disk); nullopt when the file
/// is not on a block device (tmpfs, NFS, FUSE...). Never throws.
std::optional<std::uint32_t> device_logical_block_size(const std::string& path);

/// The rule applied to `path`: statx (probe_filesystem), then the device's
/// logical block size, then 4096. Never throws.
DioAlignment probe_dio_alignment(const std::string& path);

/// A size the user chose that must be a multiple of the offset alignment.
struct DioSize {
  std::string_view option;  ///< as the user typed it: "--bs", "-t"
  std::uint64_t bytes = 0;
  /// Which multiple to suggest: a request size rounds down (never below the
  /// alignment), a region size up.
  bool suggest_up = false;
};

/// The usage error for the first size (then `base`, the first offset of the
/// region) that breaks the rule, or nullopt when all are multiples.
/// `fallback` says how to run without O_DIRECT ("--direct 0", "drop -B").
/// Pure.
std::optional<std::string> dio_alignment_problem(std::span<const DioSize> sizes, std::uint64_t base,
                                                 const DioAlignment& a, std::string_view fallback);

/// Alignment of I/O buffers: max(memory alignment, 4096).
std::size_t dio_buffer_alignment(const DioAlignment& a) noexcept;

/// `value` rounded up to a multiple of `align` (align > 0).
constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t align) noexcept {
  return (value + align - 1) / align * align;
}

}  // namespace pfsbench
