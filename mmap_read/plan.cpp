#include "plan.hpp"

#include <bit>

namespace pfsbench::mmap_read {
namespace {

std::uint64_t mix64(std::uint64_t z) noexcept {  // splitmix64's finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Slice reader_slice(std::uint64_t size, std::uint64_t page_bytes, int reader, int readers, bool partition) noexcept {
  if (!partition || readers <= 1) return Slice{0, size};
  const std::uint64_t pages = (size + page_bytes - 1) / page_bytes;
  const auto r = static_cast<std::uint64_t>(reader);
  const auto n = static_cast<std::uint64_t>(readers);
  // floor(pages * r / n) without overflow: pages = q*n + m.
  const std::uint64_t q = pages / n, m = pages % n;
  const std::uint64_t first = q * r + m * r / n;
  const std::uint64_t last = q * (r + 1) + m * (r + 1) / n;
  const std::uint64_t begin = first * page_bytes < size ? first * page_bytes : size;
  const std::uint64_t end = last * page_bytes < size ? last * page_bytes : size;
  return Slice{begin, end};
}

Permutation::Permutation(std::uint64_t n, std::uint64_t seed) noexcept : n_(n) {
  // Domain 2^(2h) >= n with h >= 1, so cycle walking needs < 4 steps on average.
  unsigned bits = n <= 1 ? 2u : static_cast<unsigned>(std::bit_width(n - 1));
  if (bits % 2) ++bits;
  if (bits < 2) bits = 2;
  half_bits_ = bits / 2;
  half_mask_ = (half_bits_ >= 64) ? ~0ull : ((1ull << half_bits_) - 1);
  std::uint64_t state = seed;
  for (auto& k : keys_) {
    state += 0x9e3779b97f4a7c15ull;
    k = mix64(state);
  }
}

std::uint64_t Permutation::feistel(std::uint64_t x) const noexcept {
  std::uint64_t left = x >> half_bits_;
  std::uint64_t right = x & half_mask_;
  for (std::uint64_t k : keys_) {
    const std::uint64_t f = mix64(right ^ k) & half_mask_;
    const std::uint64_t next = left ^ f;
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

std::uint64_t Permutation::operator()(std::uint64_t i) const noexcept {
  // Cycle walking: a bijection of the power-of-two domain, restricted to
  // [0, n) by re-applying it until the value falls inside, is a bijection
  // of [0, n).
  std::uint64_t x = feistel(i);
  while (x >= n_) x = feistel(x);
  return x;
}

UnitPlan::UnitPlan(Slice slice, std::uint64_t unit_bytes, Access access, std::uint64_t seed, bool tabulate)
    : slice_(slice),
      unit_(unit_bytes),
      access_(access),
      count_((slice.bytes() + unit_bytes - 1) / unit_bytes),
      perm_(count_, seed) {
  if (tabulate && access_ == Access::kRandom && count_ <= kMaxTabulated) {
    table_.resize(count_);
    for (std::uint64_t i = 0; i < count_; ++i) table_[i] = static_cast<std::uint32_t>(perm_(i));
  }
}

std::uint64_t reader_seed(std::uint64_t seed, int reader) noexcept {
  return mix64(seed ^ mix64(static_cast<std::uint64_t>(reader) + 0x632be59bd9b4e019ull));
}

}  // namespace pfsbench::mmap_read
