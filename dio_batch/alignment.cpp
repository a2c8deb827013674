#include "alignment.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pfsbench::dio_batch {

DioAlignment resolve_alignment(std::optional<std::uint32_t> statx_mem, std::optional<std::uint32_t> statx_offset,
                               std::optional<std::uint32_t> logical_block_size) {
  if (statx_offset && *statx_offset > 0)
    return {statx_mem && *statx_mem > 0 ? *statx_mem : *statx_offset, *statx_offset, "statx"};
  if (logical_block_size && *logical_block_size > 0)
    return {*logical_block_size, *logical_block_size, "logical_block_size"};
  return {kDefaultAlignment, kDefaultAlignment, "default"};
}

std::optional<std::string> alignment_problem(std::uint64_t bs_bytes, std::uint64_t size_bytes, std::uint64_t base,
                                             const DioAlignment& a) {
  const std::uint64_t al = a.offset_bytes;
  const char* rule =
      "O_DIRECT needs request sizes and offsets that are multiples of the offset alignment (from "
      "statx STATX_DIOALIGN, else the device's logical block size, else 4096)";
  if (bs_bytes % al != 0)
    return fmt::format("--bs {} is not a multiple of the O_DIRECT offset alignment {} (from {}); {}; use "
                       "e.g. --bs {} or --direct 0",
                       bs_bytes, al, a.source, rule, std::max<std::uint64_t>(al, bs_bytes / al * al));
  if (size_bytes % al != 0)
    return fmt::format("--size {} is not a multiple of the O_DIRECT offset alignment {} (from {}); {}; use "
                       "e.g. --size {} or --direct 0",
                       size_bytes, al, a.source, rule, round_up(size_bytes, al));
  if (base % al != 0)
    return fmt::format("the region starts at offset {}, not a multiple of the O_DIRECT offset alignment {} "
                       "(from {}); {}; use --direct 0",
                       base, al, a.source, rule);
  return std::nullopt;
}

std::size_t buffer_alignment(const DioAlignment& a) noexcept {
  return std::max<std::size_t>(a.mem_bytes, 4096);
}

}  // namespace pfsbench::dio_batch
