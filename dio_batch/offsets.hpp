#pragma once
// Offset generation. Pure and deterministic, tested with exact values.
//
// A region [base, base + blocks * bs) is covered block by block: in order
// (write/read), or in a pseudo-random permutation (randwrite/randread) in
// which every block appears exactly once per pass, so a random write of
// --size bytes writes every block once (and --verify can check all of it),
// as fio's random map does by default. Past the last block the next pass
// starts (time-based runs wrap around).

#include <cstdint>

namespace pfsbench::dio_batch {

class OffsetGenerator {
 public:
  /// blocks > 0, bs > 0. `seed` picks the permutation (random only).
  OffsetGenerator(std::uint64_t base, std::uint64_t bs, std::uint64_t blocks, bool random,
                  std::uint64_t seed = 0) noexcept;

  /// The next offset. No allocation, O(1) amortized (random: a few LCG steps).
  std::uint64_t next() noexcept {
    const std::uint64_t block = random_ ? next_random() : seq_++;
    if (!random_ && seq_ == blocks_) seq_ = 0;
    ++issued_;
    return base_ + block * bs_;
  }
  std::uint64_t issued() const noexcept { return issued_; }
  std::uint64_t blocks() const noexcept { return blocks_; }

 private:
  std::uint64_t next_random() noexcept;
  std::uint64_t base_, bs_, blocks_;
  bool random_;
  std::uint64_t seq_ = 0;
  std::uint64_t issued_ = 0;
  // Random: a full-period LCG modulo 2^k >= blocks, values >= blocks skipped
  // (cycle walking); a permutation of [0, blocks) per 2^k steps.
  std::uint64_t mask_ = 0, mul_ = 0, inc_ = 0, state_ = 0;
};

}  // namespace pfsbench::dio_batch
