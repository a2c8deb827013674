#pragma once
// The bytes written to each file at create (-w) and checked at read (-X).
// A file of owner rank r, item j holds the DataPattern of kContentSeed from
// offset 0, except its first 16 bytes: a tag (kTagMagic ^ r, j) as two
// little-endian 64-bit words, so a file read under another item's name, a
// stale file and a zeroed file all fail the check. The pattern is filled
// once per phase; per item only the tag is rewritten (two stores). The seed
// is fixed by default (kContentSeed) so that `-C -w` and a later `-E -e -X`
// run check each other; -G gives another (the same -G to both runs).
// Pure; unit-tested.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "pfsbench/pattern.hpp"

namespace pfsbench::mdtest_like {

inline constexpr std::uint64_t kContentSeed = 0x6d64746573745f31ull;  // "mdtest_1"
inline constexpr std::uint64_t kTagMagic = 0x7066736274616721ull;
inline constexpr std::size_t kTagBytes = 16;

class FileContent {
 public:
  /// A buffer of `size_bytes` holding the pattern of `seed` (tag not yet set).
  explicit FileContent(std::size_t size_bytes, std::uint64_t seed = kContentSeed);

  /// Writes the tag of (owner, item) into the buffer (its first min(16, size) bytes).
  void set_tag(int owner, std::uint64_t item) noexcept;
  std::span<const std::byte> bytes() const noexcept { return buf_; }
  std::span<std::byte> mutable_bytes() noexcept { return buf_; }

  struct Check {
    bool ok = true;
    std::uint64_t first_bad_offset = 0;
    std::uint32_t expected = 0, found = 0;
    std::uint64_t bad_bytes = 0;
  };
  /// Compares `data` (the first data.size() bytes of a file, at most the
  /// buffer size) with what the file of (owner, item) must hold.
  Check check(std::span<const std::byte> data, int owner, std::uint64_t item) const noexcept;

 private:
  DataPattern pattern_;
  std::vector<std::byte> buf_;
};

}  // namespace pfsbench::mdtest_like
