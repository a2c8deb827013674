#pragma once
// IOR's offset layout and read orders. Pure functions: no MPI, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pfsbench::ior_like {

struct Layout {
  std::uint64_t block_bytes = 0;     ///< -b: contiguous bytes per rank per segment
  std::uint64_t transfer_bytes = 0;  ///< -t: bytes per I/O call; divides block_bytes
  std::uint64_t segments = 1;        ///< -s
  int ranks = 1;
  bool file_per_process = false;     ///< -F

  std::uint64_t transfers_per_block() const noexcept { return block_bytes / transfer_bytes; }
  std::uint64_t transfers_per_rank() const noexcept { return segments * transfers_per_block(); }
  std::uint64_t bytes_per_rank() const noexcept { return segments * block_bytes; }
  /// Size of one file when fully written: the shared file, or one rank's file.
  std::uint64_t file_bytes() const noexcept {
    return file_per_process ? bytes_per_rank() : bytes_per_rank() * static_cast<std::uint64_t>(ranks);
  }
};

/// File offset of transfer `j` (0-based within the block) of segment `seg`
/// of the data of rank `rank`. IOR's segment-major layout:
///   shared file:      (seg * ranks + rank) * block + j * transfer
///   file per process: seg * block + j * transfer   (in rank's own file)
inline std::uint64_t transfer_offset(const Layout& l, int rank, std::uint64_t seg, std::uint64_t j) noexcept {
  const std::uint64_t block_index =
      l.file_per_process ? seg : seg * static_cast<std::uint64_t>(l.ranks) + static_cast<std::uint64_t>(rank);
  return block_index * l.block_bytes + j * l.transfer_bytes;
}

/// Offset of the i-th transfer (0 .. transfers_per_rank-1) of a rank, in
/// the order ranks issue them: segment by segment, block front to back.
inline std::uint64_t nth_transfer_offset(const Layout& l, int rank, std::uint64_t i) noexcept {
  const std::uint64_t per_block = l.transfers_per_block();
  return transfer_offset(l, rank, i / per_block, i % per_block);
}

/// The order in which a rank visits its transfers: in sequence (IOR's
/// default), or with -z a seeded pseudo-random permutation of the
/// transfers of each block (one segment's contiguous run of one rank's
/// data), a different one per block and per data rank, blocks in order.
/// The rank still touches exactly its own offsets, each once per pass, so
/// whose data a rank reads (-C/-Z), the -W/-R checks and a stonewalled
/// count keep their meaning: the first n transfers are the same offsets in
/// the write and in the read that follows it. Blocks stay in order (as in
/// IOR), so a stonewalled run never spreads its data over the whole
/// -s range (a file of -s 10M x -b 1g would exceed ext4's 16 TiB limit).
///
/// The permutation is computed per transfer in O(1) memory: a 4-round
/// Feistel network over the next even power of two above the block's
/// transfer count, walked until it lands inside (fewer than 4 steps on
/// average), keyed by (seed, data rank, segment). IOR's -z instead deals
/// each segment's transfers to random ranks (uneven counts per rank) and
/// repeats one pattern for every segment.
///
/// -z -z (IOR's randomOffset > 1, what IO500's ior-rnd4K line uses) is
/// another rule, IOR's: for each segment a rank picks one -b block of the
/// file at random, uniformly over the whole file's existing size (all of
/// the shared file, not only the rank's own blocks; in -F, its file), and
/// does that block's transfers front to back. Blocks may repeat; the pick
/// is seeded by (seed, data rank, segment), so a check-apart pass replays
/// the same offsets. Made with random_blocks().
class TransferOrder {
 public:
  TransferOrder(const Layout& layout, bool random, std::uint64_t seed) noexcept
      : layout_(layout), random_(random), seed_(seed) {}

  /// -z -z: `file_blocks` (> 0) is the file's size in -b blocks, the range.
  static TransferOrder random_blocks(const Layout& layout, std::uint64_t seed, std::uint64_t file_blocks) noexcept {
    TransferOrder o(layout, false, seed);
    o.file_blocks_ = file_blocks;
    return o;
  }

  /// File offset of the i-th transfer (0 .. transfers_per_rank-1) that the
  /// owner of `data_rank`'s data does.
  std::uint64_t offset(int data_rank, std::uint64_t i) const noexcept {
    const std::uint64_t per_block = layout_.transfers_per_block();
    const std::uint64_t seg = i / per_block;
    std::uint64_t j = i % per_block;
    if (file_blocks_ > 0) return random_block(data_rank, seg) * layout_.block_bytes + j * layout_.transfer_bytes;
    if (random_) j = permute(j, per_block, block_key(data_rank, seg));
    return transfer_offset(layout_, data_rank, seg, j);
  }
  bool random() const noexcept { return random_; }
  /// -z -z: the range in blocks (0: not this rule).
  std::uint64_t file_blocks() const noexcept { return file_blocks_; }
  /// -z -z: the block (0 .. file_blocks-1) segment `seg` of `data_rank` visits.
  std::uint64_t random_block(int data_rank, std::uint64_t seg) const noexcept;

  /// A keyed bijection of [0, n): exposed for its unit test.
  static std::uint64_t permute(std::uint64_t x, std::uint64_t n, std::uint64_t key) noexcept;

 private:
  std::uint64_t block_key(int data_rank, std::uint64_t seg) const noexcept;

  Layout layout_;
  bool random_ = false;
  std::uint64_t seed_ = 0;
  std::uint64_t file_blocks_ = 0;
};

enum class ReadOrder {
  kOwn,     ///< each rank reads back its own data
  kShift,   ///< -C: rank r reads the data of rank (r + shift) % ranks
  kRandom,  ///< -Z: a seeded random permutation without fixed points
};

/// "own", "next_node" (-C) or "random" (-Z): the name in config and details.
const char* read_order_name(ReadOrder order) noexcept;

/// A random permutation of 0..n-1 with no fixed point (n > 1), from a
/// seeded generator: Sattolo's algorithm yields one cycle through all
/// ranks, so no rank reads its own data. Same seed -> same permutation on
/// every rank. n == 1 gives {0}.
std::vector<int> random_derangement(int n, std::uint64_t seed);

/// -C -Q q: source[r] = the rank q nodes further on (node index + q, modulo
/// the nodes) with the same place among its node's ranks (the k-th rank of
/// node 0 reads the k-th rank of node q), whatever the mapping of ranks to
/// nodes: block (srun's default) gives rank + q x ranks per node, as IOR;
/// cyclic gives a rank of another node too, where a shift by the ranks per
/// node would stay on the same node and read from the client cache.
/// `node_of_rank[r]` is rank r's node index (0..nodes-1). nullopt when the
/// nodes hold different numbers of ranks (no such pairing exists).
std::optional<std::vector<int>> node_shift_sources(const std::vector<int>& node_of_rank, int nodes_away);

/// source[r] = the rank whose data rank r reads.
std::vector<int> read_sources(int ranks, ReadOrder order, int shift, std::uint64_t seed);

/// The file holding the data of rank `data_rank`: the path itself for a
/// shared file, "<path>.<8-digit rank>" for file per process (IOR's naming).
std::string data_file(const std::string& path, bool file_per_process, int data_rank);

}  // namespace pfsbench::ior_like
