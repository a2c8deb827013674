#include "verify.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <span>

#include "file_setup.hpp"
#include "offsets.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/signals.hpp"

namespace pfsbench::dio_batch {
namespace {

// Reads [off, off + len) fully; returns false at EOF. Throws IoError.
bool read_full(int fd, std::byte* buf, std::size_t len, std::uint64_t off, const std::string& path, int rank) {
  std::size_t got = 0;
  while (got < len) {
    const ssize_t r = ::pread(fd, buf + got, len - got, static_cast<off_t>(off + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw IoError("pread (verify)", path, errno, rank, static_cast<std::int64_t>(off + got),
                    static_cast<std::int64_t>(len - got));
    }
    if (r == 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

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
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (cfg.direct ? O_DIRECT : 0));
  if (fd < 0) throw IoError("open (verify)", path, errno, rank);
  Fd guard(fd);
  if (random) {
    OffsetGenerator gen(base, bs, region_blocks, true, offset_seed);
    for (std::uint64_t i = 0; i < blocks && !interrupt_requested(); ++i) {
      const std::uint64_t off = gen.next();
      if (!read_full(fd, data, bs, off, path, rank)) {  // the block lies past the end of the file
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
      if (!read_full(fd, data, len, off, path, rank)) {
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
