#include "verify.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include "file_setup.hpp"
#include "offsets.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/signals.hpp"

namespace pfsbench::dio_batch {
VerifyResult verify_region(const Config& cfg, const std::string& path, int rank, std::uint64_t base,
                           std::uint64_t region_blocks, std::uint64_t blocks_done, const DioAlignment& align,
                           std::uint64_t pattern_seed, std::uint64_t offset_seed) {
  VerifyResult out;
  const std::uint64_t bs = cfg.bs_bytes;
  const std::uint64_t blocks = std::min(region_blocks, blocks_done);
  const DataPattern pattern(pattern_seed);
  // Sequential: big reads (up to 4 MiB, a multiple of bs); random: the
  // blocks in the order they were written, one bs each.
  const bool random = is_random(cfg.rw) && blocks < region_blocks;
  const std::uint64_t per_read = random ? 1 : std::max<std::uint64_t>(1, (4ull << 20) / bs);
  SlotBuffers buf(1, static_cast<std::size_t>(per_read * bs), dio_buffer_alignment(align));
  std::byte* data = buf.slot(0);

  auto record = [&](std::span<const std::byte> got, std::uint64_t off) {
    const auto c = pattern.check(got, off);
    out.bytes_checked += got.size();
    if (c.ok) return;
    if (out.ok || c.first_bad_offset < out.first_bad_offset) {
      out.first_bad_offset = c.first_bad_offset;
      out.expected = c.expected;
      out.found = c.found;
    }
    out.ok = false;
    out.bad_bytes += c.bad_bytes;
  };

  const double t0 = now_s();
  UniqueFd guard(::open(path.c_str(), O_RDONLY | O_CLOEXEC | (cfg.direct ? O_DIRECT : 0)));
  if (!guard) throw IoError("open (verify)", path, errno, rank);
  const IoFile file{guard.get(), path, rank};
  IoPolicy policy;
  policy.op = "pread (verify)";
  // Reads [off, off + len) fully; false when the file ends first.
  auto read_full = [&](std::byte* dst, std::size_t len, std::uint64_t off) {
    return pread_full(file, {dst, len}, off, policy) == len;
  };
  if (random) {
    OffsetGenerator gen(base, bs, region_blocks, true, offset_seed);
    for (std::uint64_t i = 0; i < blocks && !interrupt_requested(); ++i) {
      const std::uint64_t off = gen.next();
      if (!read_full(data, bs, off)) {  // the block lies past the end of the file
        if (out.ok || off < out.first_bad_offset) out.first_bad_offset = off;
        out.ok = false;
        out.bad_bytes += bs;
        continue;
      }
      record({data, static_cast<std::size_t>(bs)}, off);
    }
  } else {
    std::uint64_t b = 0;
    while (b < blocks && !interrupt_requested()) {
      const std::uint64_t n = std::min(per_read, blocks - b);
      const std::uint64_t off = base + b * bs;
      const auto len = static_cast<std::size_t>(n * bs);
      if (!read_full(data, len, off)) {
        // The file ends inside the region: everything from here is missing.
        if (out.ok || off < out.first_bad_offset) out.first_bad_offset = off;
        out.ok = false;
        out.bad_bytes += (blocks - b) * bs;
        break;
      }
      record({data, len}, off);
      b += n;
    }
  }
  out.interrupted = interrupt_requested();
  if (const int e = guard.close(); e != 0) throw IoError("close (verify)", path, e, rank);
  out.span = {t0, now_s()};
  return out;
}

}  // namespace pfsbench::dio_batch
