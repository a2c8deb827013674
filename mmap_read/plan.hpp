#pragma once
// Who reads what, in which order: pure functions of (size, page, readers,
// unit, access, seed), unit-tested with exact values. No I/O here.

#include <cstdint>
#include <vector>

#include "config.hpp"

namespace pfsbench::mmap_read {

/// A byte range [begin, end) of the file.
struct Slice {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t bytes() const noexcept { return end - begin; }
  bool operator==(const Slice&) const = default;
};

/// The range reader `reader` (0..readers-1, global over ranks) reads of a
/// file of `size` bytes. Without `partition` every reader reads [0, size).
/// With it, the file's pages are dealt out evenly in contiguous slices
/// (reader r gets pages [P*r/R, P*(r+1)/R) of P pages, the last one clipped
/// at `size`), so slices start at page boundaries, never overlap, and cover
/// the file; a reader may get an empty slice when pages < readers.
Slice reader_slice(std::uint64_t size, std::uint64_t page_bytes, int reader, int readers, bool partition) noexcept;

/// A seeded bijection of [0, n): a 4-round Feistel network on the smallest
/// even-bit power of two >= n, with cycle walking back into [0, n). Costs a
/// few ns per index and no memory, so a permutation of billions of pages is
/// as cheap as one of ten.
class Permutation {
 public:
  Permutation(std::uint64_t n, std::uint64_t seed) noexcept;
  std::uint64_t size() const noexcept { return n_; }
  std::uint64_t operator()(std::uint64_t i) const noexcept;

 private:
  std::uint64_t feistel(std::uint64_t x) const noexcept;
  std::uint64_t n_;
  unsigned half_bits_ = 1;
  std::uint64_t half_mask_ = 1;
  std::uint64_t keys_[4] = {};
};

/// One access: `length` bytes at file `offset`.
struct Unit {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const Unit&) const = default;
};

/// The accesses of one reader: its slice cut into units of `unit_bytes`
/// (the last one shorter), read in order (seq) or in a seeded permutation
/// (random). Small random plans are tabulated up front (4 bytes per unit) so
/// the timed loop only reads the next index.
class UnitPlan {
 public:
  static constexpr std::uint64_t kMaxTabulated = 1ull << 22;

  /// `tabulate` false: never a table (tests compare both ways of one plan).
  UnitPlan(Slice slice, std::uint64_t unit_bytes, Access access, std::uint64_t seed, bool tabulate = true);
  std::uint64_t count() const noexcept { return count_; }
  /// True when at() reads the table rather than computing the permutation.
  bool tabulated() const noexcept { return !table_.empty(); }
  std::uint64_t bytes() const noexcept { return slice_.bytes(); }
  /// The i-th access (0 <= i < count()).
  Unit at(std::uint64_t i) const noexcept {
    const std::uint64_t k = access_ == Access::kSeq ? i : !table_.empty() ? table_[i] : perm_(i);
    const std::uint64_t off = slice_.begin + k * unit_;
    const std::uint64_t len = slice_.end - off < unit_ ? slice_.end - off : unit_;
    return Unit{off, len};
  }

 private:
  Slice slice_;
  std::uint64_t unit_;
  Access access_;
  std::uint64_t count_;
  Permutation perm_;
  std::vector<std::uint32_t> table_;
};

/// The seed of reader `reader`'s random order: readers of one run walk the
/// file in different orders.
std::uint64_t reader_seed(std::uint64_t seed, int reader) noexcept;

}  // namespace pfsbench::mmap_read
