// The O_DIRECT alignment rule (dio_align.hpp). The statx query itself is in
// dio_align.cpp, apart, because it needs the kernel's struct statx.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "pfsbench/dio_align.hpp"
#include "pfsbench/fs.hpp"

namespace pfsbench {

DioAlignment resolve_dio_alignment(std::optional<std::uint32_t> statx_mem, std::optional<std::uint32_t> statx_offset,
                                   std::optional<std::uint32_t> logical_block_size) {
  if (statx_offset && *statx_offset > 0)
    return {statx_mem && *statx_mem > 0 ? *statx_mem : *statx_offset, *statx_offset, "statx"};
  if (logical_block_size && *logical_block_size > 0)
    return {*logical_block_size, *logical_block_size, "logical_block_size"};
  return {kDefaultDioAlignment, kDefaultDioAlignment, "default"};
}

std::optional<std::uint32_t> device_logical_block_size(const std::string& path) {
  namespace fs = std::filesystem;
  const FsInfo info = probe_filesystem(path);  // finds the nearest existing parent
  struct stat st {};
  if (::stat(info.probed_path.c_str(), &st) != 0) return std::nullopt;
  std::error_code ec;
  fs::path sys = fs::canonical(fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev)), ec);
  if (ec) return std::nullopt;  // not a block device
  if (fs::exists(sys / "partition", ec)) sys = sys.parent_path();  // partition -> its disk's queue
  const auto text = read_small_file((sys / "queue" / "logical_block_size").string());
  if (!text) return std::nullopt;
  try {
    const unsigned long v = std::stoul(*text);
    if (v == 0 || v > (1u << 20)) return std::nullopt;
    return static_cast<std::uint32_t>(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

DioAlignment probe_dio_alignment(const std::string& path) {
  const FsInfo fs = probe_filesystem(path);
  return resolve_dio_alignment(fs.dio_mem_align_bytes, fs.dio_offset_align_bytes, device_logical_block_size(path));
}

std::optional<std::string> dio_alignment_problem(std::span<const DioSize> sizes, std::uint64_t base,
                                                 const DioAlignment& a, std::string_view fallback) {
  const std::uint64_t al = a.offset_bytes;
  constexpr const char* kRule =
      "O_DIRECT needs request sizes and offsets that are multiples of the offset alignment (from statx "
      "STATX_DIOALIGN, else the device's logical block size, else 4096)";
  for (const DioSize& s : sizes) {
    if (s.bytes % al == 0) continue;
    const std::uint64_t suggest = s.suggest_up ? round_up(s.bytes, al) : std::max<std::uint64_t>(al, s.bytes / al * al);
    return fmt::format("{} {} is not a multiple of the O_DIRECT offset alignment {} (from {}); {}; use e.g. {} {} "
                       "or {}",
                       s.option, s.bytes, al, a.source, kRule, s.option, suggest, fallback);
  }
  if (base % al != 0)
    return fmt::format("the region starts at offset {}, not a multiple of the O_DIRECT offset alignment {} (from "
                       "{}); {}; use {}",
                       base, al, a.source, kRule, fallback);
  return std::nullopt;
}

std::size_t dio_buffer_alignment(const DioAlignment& a) noexcept {
  return std::max<std::size_t>(a.mem_bytes, 4096);
}

}  // namespace pfsbench
