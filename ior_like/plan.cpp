#include "plan.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include <fmt/format.h>

namespace pfsbench::ior_like {

const char* read_order_name(ReadOrder order) noexcept {
  switch (order) {
    case ReadOrder::kShift: return "next_node";
    case ReadOrder::kRandom: return "random";
    case ReadOrder::kOwn: break;
  }
  return "own";
}

namespace {

// splitmix64's finalizer: a fast, well-mixing 64-bit hash.
std::uint64_t mix(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t TransferOrder::permute(std::uint64_t x, std::uint64_t n, std::uint64_t key) noexcept {
  if (n <= 1) return 0;
  // Half width h: 2^(2h) >= n, so the domain is under 4n.
  int bits = 0;
  while (bits < 64 && (std::uint64_t{1} << bits) < n) ++bits;
  const int h = (bits + 1) / 2;
  const std::uint64_t mask = (std::uint64_t{1} << h) - 1;
  // Cycle-walking: a permutation of [0, 2^(2h)) restricted to [0, n) by
  // applying it again while outside; ends because x itself is inside.
  do {
    std::uint64_t left = x >> h;
    std::uint64_t right = x & mask;
    for (std::uint64_t round = 0; round < 4; ++round) {
      const std::uint64_t next = left ^ (mix(key ^ (round << 56) ^ right) & mask);
      left = right;
      right = next;
    }
    x = (left << h) | right;
  } while (x >= n);
  return x;
}

std::uint64_t TransferOrder::block_key(int data_rank, std::uint64_t seg) const noexcept {
  return mix(mix(seed_ ^ 0x5a17ull) ^ mix(static_cast<std::uint64_t>(data_rank) + 1) ^ (seg * 0x9e3779b97f4a7c15ull));
}

std::uint64_t TransferOrder::random_block(int data_rank, std::uint64_t seg) const noexcept {
  // Another key than -z's shuffle; the modulo bias is below 2^-30 for any
  // file under 2^34 blocks.
  return mix(block_key(data_rank, seg) ^ 0x72616e64626c6bull) % file_blocks_;
}

std::vector<int> random_derangement(int n, std::uint64_t seed) {
  std::vector<int> p(static_cast<std::size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  // Own generator arithmetic instead of std::uniform_int_distribution, whose
  // output is implementation-defined: the permutation must be the same on
  // every rank and every build.
  std::mt19937_64 gen(seed);
  for (int i = n - 1; i > 0; --i) {
    const auto j = static_cast<int>(gen() % static_cast<std::uint64_t>(i));  // j < i: Sattolo
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(j)]);
  }
  return p;
}

std::optional<std::vector<int>> node_shift_sources(const std::vector<int>& node_of_rank, int nodes_away) {
  const int nodes = node_of_rank.empty() ? 0 : *std::max_element(node_of_rank.begin(), node_of_rank.end()) + 1;
  std::vector<std::vector<int>> ranks_of_node(static_cast<std::size_t>(nodes));
  std::vector<std::size_t> place(node_of_rank.size());
  for (std::size_t r = 0; r < node_of_rank.size(); ++r) {
    auto& on_node = ranks_of_node[static_cast<std::size_t>(node_of_rank[r])];
    place[r] = on_node.size();
    on_node.push_back(static_cast<int>(r));
  }
  for (const auto& on_node : ranks_of_node)
    if (on_node.size() != ranks_of_node.front().size()) return std::nullopt;
  std::vector<int> src(node_of_rank.size());
  for (std::size_t r = 0; r < node_of_rank.size(); ++r) {
    const int target = (node_of_rank[r] + nodes_away % nodes) % nodes;
    src[r] = ranks_of_node[static_cast<std::size_t>(target)][place[r]];
  }
  return src;
}

std::vector<int> read_sources(int ranks, ReadOrder order, int shift, std::uint64_t seed) {
  std::vector<int> src(static_cast<std::size_t>(ranks));
  switch (order) {
    case ReadOrder::kOwn:
      std::iota(src.begin(), src.end(), 0);
      break;
    case ReadOrder::kShift:
      for (int r = 0; r < ranks; ++r) src[static_cast<std::size_t>(r)] = ((r + shift) % ranks + ranks) % ranks;
      break;
    case ReadOrder::kRandom:
      src = random_derangement(ranks, seed);
      break;
  }
  return src;
}

std::string data_file(const std::string& path, bool file_per_process, int data_rank) {
  if (!file_per_process) return path;
  return fmt::format("{}.{:08d}", path, data_rank);
}

}  // namespace pfsbench::ior_like
