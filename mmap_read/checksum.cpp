#include "checksum.hpp"

#include <array>
#include <cstring>
#include <span>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace pfsbench::mmap_read {

std::uint64_t sum64(const std::byte* data, std::size_t n) noexcept {
  std::uint64_t total = 0;
  const std::byte* p = data;
#if defined(__SSE2__)
  // Four independent 2x64-bit lanes per 64-byte line: one add per 16 bytes
  // and no loop-carried chain longer than one line, fast enough for memory.
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  const std::byte* const end64 = data + (n & ~std::size_t{63});
  for (; p != end64; p += 64) {
    a0 = _mm_add_epi64(a0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    a1 = _mm_add_epi64(a1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
    a2 = _mm_add_epi64(a2, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)));
    a3 = _mm_add_epi64(a3, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)));
  }
  const __m128i a = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
  std::uint64_t lanes[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), a);
  total = lanes[0] + lanes[1];
#endif
  const std::byte* const end8 = data + (n & ~std::size_t{7});
  for (; p != end8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    total += w;
  }
  if (const std::size_t rest = n % 8; rest != 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, rest);  // little-endian: zero-padded high bytes
    total += w;
  }
  return total;
}

std::uint64_t touch_pages(const std::byte* data, std::size_t n, std::size_t page_bytes) noexcept {
  std::uint64_t s = 0;
  for (std::size_t p = 0; p < n; p += page_bytes) s += static_cast<std::uint8_t>(data[p]);
  return s;
}

PatternSum::PatternSum(const DataPattern& pattern) : pattern_(pattern) {
  std::array<std::byte, DataPattern::kBlock> block;
  pattern_.fill(block, 0);
  std::memcpy(&key_, block.data(), 8);  // stamp(0) = 0 XOR key
  tail_sum_ = sum64(block.data(), block.size()) - key_;
}

std::uint64_t PatternSum::range(std::uint64_t offset, std::uint64_t length) const noexcept {
  constexpr std::uint64_t kB = DataPattern::kBlock;
  std::uint64_t sum = 0;
  std::array<std::byte, kB> buf;
  auto partial = [&](std::uint64_t off, std::uint64_t len) {
    pattern_.fill(std::span<std::byte>(buf.data(), len), off);
    sum += sum64(buf.data(), len);
  };
  const std::uint64_t end = offset + length;
  std::uint64_t pos = offset;
  if (pos % kB != 0) {  // head up to the next block boundary
    const std::uint64_t len = (kB - pos % kB) < end - pos ? kB - pos % kB : end - pos;
    partial(pos, len);
    pos += len;
  }
  for (; pos + kB <= end; pos += kB) sum += (pos ^ key_) + tail_sum_;  // whole blocks
  if (pos < end) partial(pos, end - pos);
  return sum;
}

}  // namespace pfsbench::mmap_read
