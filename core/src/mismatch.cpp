#include "pfsbench/mismatch.hpp"

namespace pfsbench {

std::optional<std::size_t> first_mismatch_rank(std::span<const RankMismatch> per_rank) {
  std::optional<std::size_t> best;
  for (std::size_t r = 0; r < per_rank.size(); ++r) {
    if (!per_rank[r].any) continue;
    // Strictly lower: on equal offsets the lower rank, met first, stays.
    if (!best || per_rank[r].offset < per_rank[*best].offset) best = r;
  }
  return best;
}

Mismatch to_mismatch(const RankMismatch& m, int rank, std::string path) {
  return Mismatch{std::move(path), m.offset, m.expected, m.found, m.mismatched_bytes, rank};
}

}  // namespace pfsbench
