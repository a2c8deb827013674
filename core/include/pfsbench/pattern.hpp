#pragma once
// Data patterns whose content depends only on (seed, file offset), so any
// block of any file verifies on its own, whichever rank wrote it.
//
// Definition: the file is a sequence of little-endian 64-bit words; word k
// (bytes 8k..8k+7) is
//   stamp(k) = (8k) XOR key(seed)          when k % 512 == 0 (first word of every 4 KiB)
//   base[k % 512]                          otherwise
// where base[] and key() come from a splitmix64 stream of the seed. The
// stamp makes a block written at the wrong offset, a stale block and a
// zeroed block all fail; the repeating base makes filling and checking run
// at memcpy/memcmp speed, and a buffer already holding the pattern for one
// offset becomes the pattern of another offset with the same 4 KiB phase by
// rewriting one word per 4 KiB (restamp).

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace pfsbench {

class DataPattern {
 public:
  static constexpr std::size_t kBlock = 4096;
  static constexpr std::size_t kWords = kBlock / 8;

  explicit DataPattern(std::uint64_t seed);

  /// The expected byte at `offset`.
  std::uint8_t byte_at(std::uint64_t offset) const noexcept;

  /// Fills `buf` with the pattern of the file range starting at `offset`
  /// (any offset and length; fast when offset % 8 == 0).
  void fill(std::span<std::byte> buf, std::uint64_t offset) const noexcept;

  /// Precondition: `buf` holds the pattern for an offset o with
  /// o % 4096 == offset % 4096 and offset % 8 == 0. Rewrites only the stamp
  /// words (one per 4 KiB) so that it holds the pattern for `offset`.
  void restamp(std::span<std::byte> buf, std::uint64_t offset) const noexcept;

  struct CheckResult {
    bool ok = true;
    std::uint64_t first_bad_offset = 0;  ///< file offset of the first wrong byte
    std::uint8_t expected = 0, found = 0;
    std::uint64_t bad_bytes = 0;         ///< wrong bytes in the buffer
  };
  /// Compares `buf` with the pattern of the range starting at `offset`.
  /// Runs at memcmp speed when it matches; counts every wrong byte when not.
  CheckResult check(std::span<const std::byte> buf, std::uint64_t offset) const noexcept;

  std::uint64_t seed() const noexcept { return seed_; }

 private:
  std::uint64_t word_at(std::uint64_t word_index) const noexcept {
    return (word_index % kWords == 0) ? (word_index * 8) ^ key_ : base_[word_index % kWords];
  }
  std::uint64_t seed_;
  std::uint64_t key_;
  alignas(64) std::array<std::uint64_t, kWords> base_;
};

/// A reusable transfer buffer that holds the pattern for the offset last
/// prepared. prepare() costs one store per 4 KiB when the new offset has the
/// same 4 KiB phase as the last one (the common case: transfers and blocks
/// that are multiples of 4 KiB), and a full fill otherwise.
class PatternBuffer {
 public:
  PatternBuffer(const DataPattern& pattern, std::span<std::byte> buf) : pattern_(pattern), buf_(buf) {}
  std::span<std::byte> prepare(std::uint64_t offset) noexcept {
    if (valid_ && offset % 8 == 0 && offset % DataPattern::kBlock == last_ % DataPattern::kBlock) {
      pattern_.restamp(buf_, offset);
    } else {
      pattern_.fill(buf_, offset);
      valid_ = true;
    }
    last_ = offset;
    return buf_;
  }

 private:
  const DataPattern& pattern_;
  std::span<std::byte> buf_;
  std::uint64_t last_ = 0;
  bool valid_ = false;
};

}  // namespace pfsbench
