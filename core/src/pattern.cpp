#include "pfsbench/pattern.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace pfsbench {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static_assert(std::endian::native == std::endian::little, "the pattern is defined little-endian");

}  // namespace

DataPattern::DataPattern(std::uint64_t seed) : seed_(seed) {
  std::uint64_t state = seed;
  key_ = splitmix64(state);
  for (auto& w : base_) w = splitmix64(state);
}

std::uint8_t DataPattern::byte_at(std::uint64_t offset) const noexcept {
  return static_cast<std::uint8_t>(word_at(offset / 8) >> (8 * (offset % 8)));
}

void DataPattern::fill(std::span<std::byte> buf, std::uint64_t offset) const noexcept {
  std::size_t pos = 0;
  const std::size_t n = buf.size();
  // Unaligned head byte by byte, up to the next 8-byte boundary.
  while (pos < n && (offset + pos) % 8 != 0) {
    buf[pos] = static_cast<std::byte>(byte_at(offset + pos));
    ++pos;
  }
  // Whole words in runs of the base block: memcpy, then the stamp word.
  while (pos + 8 <= n) {
    const std::uint64_t k = (offset + pos) / 8;
    const std::size_t in_block = static_cast<std::size_t>(k % kWords);
    const std::size_t words = std::min<std::size_t>(kWords - in_block, (n - pos) / 8);
    std::memcpy(buf.data() + pos, base_.data() + in_block, words * 8);
    if (in_block == 0) {
      const std::uint64_t stamp = word_at(k);
      std::memcpy(buf.data() + pos, &stamp, 8);
    }
    pos += words * 8;
  }
  while (pos < n) {
    buf[pos] = static_cast<std::byte>(byte_at(offset + pos));
    ++pos;
  }
}

void DataPattern::restamp(std::span<std::byte> buf, std::uint64_t offset) const noexcept {
  // First 4 KiB boundary at or after offset, then every 4 KiB.
  std::uint64_t rel = (kBlock - offset % kBlock) % kBlock;
  for (; rel + 8 <= buf.size(); rel += kBlock) {
    const std::uint64_t stamp = word_at((offset + rel) / 8);
    std::memcpy(buf.data() + rel, &stamp, 8);
  }
  // A stamp word cut by the end of the buffer.
  if (rel < buf.size())
    for (std::uint64_t i = rel; i < buf.size(); ++i) buf[i] = static_cast<std::byte>(byte_at(offset + i));
}

DataPattern::CheckResult DataPattern::check(std::span<const std::byte> buf,
                                            std::uint64_t offset) const noexcept {
  CheckResult r;
  bool suspect = false;
  std::size_t pos = 0;
  const std::size_t n = buf.size();
  // Unaligned head byte by byte, up to the next 8-byte boundary of the file
  // (a range starting off a word, e.g. -t 1000), then whole words.
  for (; pos < n && (offset + pos) % 8 != 0; ++pos)
    if (static_cast<std::uint8_t>(buf[pos]) != byte_at(offset + pos)) {
      suspect = true;
      break;
    }
  if (!suspect) {
    while (pos + 8 <= n) {
      const std::uint64_t k = (offset + pos) / 8;
      const std::size_t in_block = static_cast<std::size_t>(k % kWords);
      const std::size_t words = std::min<std::size_t>(kWords - in_block, (n - pos) / 8);
      std::size_t skip = 0;
      if (in_block == 0) {
        const std::uint64_t stamp = word_at(k);
        if (std::memcmp(buf.data() + pos, &stamp, 8) != 0) {
          suspect = true;
          break;
        }
        skip = 1;
      }
      if (std::memcmp(buf.data() + pos + skip * 8, base_.data() + in_block + skip, (words - skip) * 8) != 0) {
        suspect = true;
        break;
      }
      pos += words * 8;
    }
    for (std::size_t i = pos; !suspect && i < n; ++i)
      if (static_cast<std::uint8_t>(buf[i]) != byte_at(offset + i)) suspect = true;
  }
  if (!suspect) return r;
  // Slow path, only on failure: find the first wrong byte and count them all.
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t want = byte_at(offset + i);
    const auto got = static_cast<std::uint8_t>(buf[i]);
    if (want != got) {
      if (r.ok) {
        r.ok = false;
        r.first_bad_offset = offset + i;
        r.expected = want;
        r.found = got;
      }
      ++r.bad_bytes;
    }
  }
  return r;
}

}  // namespace pfsbench
