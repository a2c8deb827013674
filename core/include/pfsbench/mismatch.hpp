#pragma once
// The one definition of "the first mismatch" of a verification: of every
// rank's first wrong byte, the one at the lowest offset, then of the lowest
// rank. Pure; the cross-rank gather is rank_stats' gather_first_mismatch.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "pfsbench/result.hpp"

namespace pfsbench {

/// One rank's first wrong byte, as it crosses ranks: a plain struct (one
/// gather of bytes), no path (rank 0 knows each rank's file, or builds it
/// from `locator`).
struct RankMismatch {
  bool any = false;                    ///< false: this rank found no wrong byte
  std::uint32_t expected = 0;          ///< expected byte value
  std::uint32_t found = 0;             ///< byte value read
  std::uint64_t offset = 0;            ///< file offset of the first wrong byte
  std::uint64_t mismatched_bytes = 0;  ///< wrong bytes in what this rank checked
  std::uint64_t locator = 0;           ///< the caller's, e.g. mdtest's item index; 0 when unused
};

/// The first mismatch among per-rank records (index = rank): lowest offset,
/// then lowest rank. nullopt when no record has `any`.
std::optional<std::size_t> first_mismatch_rank(std::span<const RankMismatch> per_rank);

/// The document's record of `m` found by `rank` in `path`.
Mismatch to_mismatch(const RankMismatch& m, int rank, std::string path);

}  // namespace pfsbench
