#pragma once
// --verify: read the region back after the phase, timed apart from it, and
// compare with the core DataPattern. No MPI.

#include <cstdint>
#include <optional>
#include <string>

#include "pfsbench/dio_align.hpp"
#include "config.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench::dio_batch {

struct VerifyResult {
  Interval span;                    ///< open .. close of the read-back
  std::uint64_t bytes_checked = 0;
  bool ok = true;
  std::uint64_t first_bad_offset = 0;  ///< lowest file offset of a wrong byte
  std::uint32_t expected = 0, found = 0;
  std::uint64_t bad_bytes = 0;      ///< wrong bytes in this rank's region
  bool interrupted = false;
};

/// Reads back the blocks the phase covered: the first `blocks_done` blocks
/// of the same offset sequence (every block of the region once the phase
/// covered it all), with O_DIRECT when the phase used it so the data comes
/// from the device, not the page cache. Throws IoError.
VerifyResult verify_region(const Config& cfg, const std::string& path, int rank, std::uint64_t base,
                           std::uint64_t region_blocks, std::uint64_t blocks_done, const DioAlignment& align,
                           std::uint64_t pattern_seed, std::uint64_t offset_seed);

}  // namespace pfsbench::dio_batch
