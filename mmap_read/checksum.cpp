#include "checksum.hpp"

#include <array>
#include <cstring>
#include <span>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace pfsbench::mmap_read {

namespace {

/// The words of [p, p + n) not covered by a vector loop, zero-padded tail included.
std::uint64_t sum64_scalar(const std::byte* p, std::size_t n) noexcept {
  std::uint64_t total = 0;
  const std::byte* const end8 = p + (n & ~std::size_t{7});
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

#if defined(__x86_64__)
// Four independent vector sums per 128 (AVX2) or 64 (SSE2) bytes: one add
// per load and no long dependency chain, so the loop is bound by memory.
__attribute__((target("avx2"))) std::uint64_t sum64_avx2(const std::byte* data, std::size_t n) noexcept {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  const std::byte* p = data;
  const std::byte* const end = data + (n & ~std::size_t{127});
  for (; p != end; p += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 96)));
  }
  const __m256i a = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  std::uint64_t lanes[4];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(lanes), a);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + sum64_scalar(p, static_cast<std::size_t>(data + n - p));
}

std::uint64_t sum64_sse2(const std::byte* data, std::size_t n) noexcept {
  __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
  const std::byte* p = data;
  const std::byte* const end = data + (n & ~std::size_t{63});
  for (; p != end; p += 64) {
    a0 = _mm_add_epi64(a0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    a1 = _mm_add_epi64(a1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
    a2 = _mm_add_epi64(a2, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)));
    a3 = _mm_add_epi64(a3, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)));
  }
  const __m128i a = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
  std::uint64_t lanes[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), a);
  return lanes[0] + lanes[1] + sum64_scalar(p, static_cast<std::size_t>(data + n - p));
}

// Chosen once at load time: the CPU cannot change under us.
const bool g_have_avx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

std::uint64_t sum64(const std::byte* data, std::size_t n) noexcept {
#if defined(__x86_64__)
  return g_have_avx2 ? sum64_avx2(data, n) : sum64_sse2(data, n);
#else
  return sum64_scalar(data, n);
#endif
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
