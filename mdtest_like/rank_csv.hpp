#pragma once
// mdtest's --saveRankPerformanceDetails CSV, in mdtest's own format (hpc/ior
// src/mdtest.c, StoreRankInformation and its header), so that IO500's
// scripts read ours as they read mdtest's:
//
//   rank,items,rate-Directory creation,time-Directory creation,...  (mdtest's
//       11 operations, in its order, ending with Tree creation, Tree removal)
//   all,<items per rank>,<rate>,<time>,...   first iteration: items of all
//       ranks / the slowest rank's time between the phase's barriers; an
//       operation that did not run leaves both cells empty
//   <rank>,,<rate>,<time>,...   per iteration and rank, the 9 item operations
//       (no tree ones): the rank's items / its time to its last operation
//       (mdtest's time before the closing barrier)
//
// As mdtest counts it, a tree phase has the tree's directory count as items
// on every rank, created by one rank or by each (-u). Numbers as printf's
// "%.10e". Built on rank 0 from figures the phases gather; pure formatting.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pfsbench::mdtest_like {

class RankCsv {
 public:
  static constexpr int kOps = 11;  ///< mdtest's MDTEST_LAST_NUM
  struct Cell {
    std::uint64_t items = 0;
    double time_s = 0;
  };

  RankCsv(int ranks, std::uint64_t tree_dirs) : ranks_(ranks), tree_dirs_(tree_dirs) {}

  /// mdtest's operation index of one of our phase names ("file_stat" -> 6); nullopt for none.
  static std::optional<int> op_index(const std::string& phase);
  /// mdtest's operation name ("File stat").
  static const char* op_label(int index);
  /// The header line (with its newline).
  static std::string header();

  /// One phase of `iteration`: all ranks' items and the slowest rank's time
  /// between barriers; per rank, its items and time before the closing barrier.
  void record(int iteration, const std::string& phase, std::uint64_t items_all, double time_s,
              const std::vector<Cell>& per_rank);
  /// mdtest's "items" cell of the 'all' row: the items per rank the run ended with.
  void set_items_per_rank(std::uint64_t n) { items_per_rank_ = n; }

  /// The whole file: header, 'all' row, rank rows.
  std::string text() const;

 private:
  struct Iteration {
    std::array<std::optional<Cell>, kOps> all{};
    std::vector<std::array<std::optional<Cell>, kOps>> ranks;
  };
  int ranks_;
  std::uint64_t tree_dirs_;
  std::uint64_t items_per_rank_ = 0;
  std::vector<Iteration> its_;
};

}  // namespace pfsbench::mdtest_like
