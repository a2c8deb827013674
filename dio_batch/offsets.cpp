#include "offsets.hpp"

#include <bit>

namespace pfsbench::dio_batch {

OffsetGenerator::OffsetGenerator(std::uint64_t base, std::uint64_t bs, std::uint64_t blocks, bool random,
                                 std::uint64_t seed) noexcept
    : base_(base), bs_(bs), blocks_(blocks == 0 ? 1 : blocks), random_(random) {
  if (random_) {
    const std::uint64_t span = std::bit_ceil(blocks_ < 2 ? std::uint64_t{2} : blocks_);
    mask_ = span - 1;
    // Hull-Dobell for a power-of-two modulus: increment odd, multiplier = 1 mod 4.
    // Mix the seed (splitmix64) so different seeds give different orders.
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    mul_ = ((z << 2) | 1u) & mask_;
    mul_ = (mul_ & ~std::uint64_t{3}) | 1u;  // == 1 mod 4
    if (span <= 4) mul_ = 1;
    inc_ = ((z >> 17) | 1u) & mask_;
    state_ = (z >> 33) & mask_;
  }
}

std::uint64_t OffsetGenerator::next_random() noexcept {
  // Expected < 2 steps: at least half of [0, 2^k) is below blocks.
  do {
    state_ = (state_ * mul_ + inc_) & mask_;
  } while (state_ >= blocks_);
  return state_;
}

}  // namespace pfsbench::dio_batch
