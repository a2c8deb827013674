#pragma once
// O_DIRECT alignment rules. Pure: no I/O, tested with exact values.
//
// Rule: memory and offset alignment come from statx(STATX_DIOALIGN) when the
// kernel and filesystem report it; otherwise both are the logical block
// size of the device under the file; otherwise 4096. Request size (--bs),
// region size (--size) and every offset must be multiples of the offset
// alignment; buffers are aligned to max(memory alignment, 4096) so a
// buffer is also page aligned.

#include <cstdint>
#include <optional>
#include <string>

namespace pfsbench::dio_batch {

struct DioAlignment {
  std::uint32_t mem_bytes = 4096;
  std::uint32_t offset_bytes = 4096;
  std::string source;  ///< "statx", "logical_block_size" or "default"
};

inline constexpr std::uint32_t kDefaultAlignment = 4096;

/// Applies the rule above to what was probed.
DioAlignment resolve_alignment(std::optional<std::uint32_t> statx_mem, std::optional<std::uint32_t> statx_offset,
                               std::optional<std::uint32_t> logical_block_size);

/// The usage error for a request size / region size that breaks the rule,
/// or nullopt when both are multiples of the offset alignment. `base` is the
/// first offset of the region (e.g. the end of the file for append).
std::optional<std::string> alignment_problem(std::uint64_t bs_bytes, std::uint64_t size_bytes, std::uint64_t base,
                                             const DioAlignment& a);

/// Alignment of the buffers: max(mem alignment, 4096).
std::size_t buffer_alignment(const DioAlignment& a) noexcept;

/// `value` rounded up to a multiple of `align` (align > 0).
constexpr std::uint64_t round_up(std::uint64_t value, std::uint64_t align) noexcept {
  return (value + align - 1) / align * align;
}

}  // namespace pfsbench::dio_batch
