#pragma once
// What "touching" the mapped bytes computes, and what it must come to.
// No I/O here.

#include <cstddef>
#include <cstdint>

#include "pfsbench/pattern.hpp"

namespace pfsbench::mmap_read {

/// Sum (mod 2^64) of the little-endian 64-bit words of [data, data+n); a
/// trailing partial word counts zero-padded. Additive, so the sums of
/// ranges that start at multiples of 8 add up to the sum of their union,
/// in any order: a file's checksum is the sum of its readers' slices.
/// Reads every byte once, vectorized: runs at memory bandwidth.
std::uint64_t sum64(const std::byte* data, std::size_t n) noexcept;

/// One load per page (the first byte of each `page_bytes` page); returns
/// the sum of the loaded bytes so the loads cannot be optimized away.
std::uint64_t touch_pages(const std::byte* data, std::size_t n, std::size_t page_bytes) noexcept;

/// The sum64 a range of a DataPattern file must have, computed from the
/// pattern's definition in O(length / 4096) without generating the data.
class PatternSum {
 public:
  explicit PatternSum(const DataPattern& pattern);
  /// Precondition: offset % 8 == 0 (units start at page boundaries).
  std::uint64_t range(std::uint64_t offset, std::uint64_t length) const noexcept;

 private:
  const DataPattern& pattern_;
  std::uint64_t key_ = 0;        ///< stamp word of block 0 (stamp(b) = 4096*b XOR key)
  std::uint64_t tail_sum_ = 0;   ///< sum of words 1..511 of any block
};

}  // namespace pfsbench::mmap_read
