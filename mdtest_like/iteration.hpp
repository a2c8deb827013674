#pragma once
// One iteration of mdtest_like: the tree and item phases in mdtest's order
// (tree create; directory create, stat, remove; file create, stat, read,
// remove; tree remove), each a measured phase, plus what the run created so
// that cleanup after a failure removes exactly that and nothing else.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "layout.hpp"
#include "rank_csv.hpp"
#include "pfsbench/tool.hpp"
#include "safe_fs.hpp"

namespace pfsbench {
class Progress;
}

namespace pfsbench::mdtest_like {

struct ItemPhase;

enum class Op { kCreate, kStat, kRead, kRemove };
const char* op_name(Op op);
/// "file_create", "dir_stat", ...
std::string phase_name(ItemKind kind, Op op);

inline std::size_t kind_index(ItemKind k) { return k == ItemKind::kFile ? 0 : 1; }

/// What this rank created in one iteration (and what is gone again).
struct IterationState {
  int iteration = 0;
  bool iter_dir_created = false;           ///< rank 0 made DIR/test-dir.<i>
  bool iter_dir_removed = false;
  std::uint64_t tree_dirs_created = 0;     ///< tree directories this rank made (breadth-first prefix)
  bool tree_removed = false;
  std::array<std::uint64_t, 2> created{};  ///< items this rank created, per kind (file, dir)
  std::array<bool, 2> removed{};           ///< the remove phase of that kind finished
  /// Items per rank for stat/read/remove, per kind: -n, or the count read
  /// from -x, set by the caller; after -W, the agreed count.
  std::array<std::uint64_t, 2> items{};
};

/// Where the results of one iteration go and what it works on.
class Iteration {
 public:
  /// `root_fd`: the open -d directory (valid on every rank); `st.items` set.
  /// `random_seed`: -R's seed, the same on every rank.
  /// `csv`: --saveRankPerformanceDetails' table (null without; filled on rank 0).
  Iteration(RunContext& ctx, const Config& cfg, int root_fd, IterationState& st, std::uint64_t random_seed,
            RankCsv* csv = nullptr);
  /// COLLECTIVE. Runs the selected phases; throws CollectiveError on failure.
  void run();

 private:
  void open_iteration_dir();
  void tree_create();
  void tree_remove();
  void remove_iteration_dir();
  /// COLLECTIVE. One item phase (item_phases.cpp): prepare, the timed
  /// loop, the reductions, the phase's details.
  void item_phase(ItemKind kind, Op op);
  /// COLLECTIVE. Opens/checks the phase's item directories and builds their
  /// paths, before its time starts (unless -t).
  void prepare_item_dirs(ItemPhase& ph);
  /// Local. Checks (and in dirfd mode opens) the item directories.
  void open_phase_dirs(ItemPhase& ph) const;
  /// COLLECTIVE. Between the phase's barriers: the loop, -W's wear-out, -Y.
  void timed_item_loop(ItemPhase& ph);
  /// Local. The items [begin, end) of the phase's order; the end reached.
  std::uint64_t run_items(ItemPhase& ph, std::uint64_t begin, std::uint64_t end, std::uint64_t deadline_ns,
                          Progress& progress);
  /// Local. Throws the IoError of a failure the loop noted.
  void throw_if_failed(const ItemPhase& ph) const;
  /// COLLECTIVE. The phase's details (stonewall and verify reductions).
  nlohmann::json item_details(ItemPhase& ph);
  nlohmann::json stonewall_details(const ItemPhase& ph);
  nlohmann::json verify_details(const ItemPhase& ph);
  /// Path for messages (and full-path mode): DIR/test-dir.<i>-0/<rel>.
  std::string display(const std::string& rel) const;
  /// The tree base name of `owner`'s items: shared, or the owner's with -u.
  std::string tree_of(int owner) const { return tree_base(cfg_.unique_dir, owner); }
  bool tree_creator() const { return cfg_.unique_dir || ctx_.comm.is_root(); }

  RunContext& ctx_;
  const Config& cfg_;
  int root_fd_;
  IterationState& st_;
  std::uint64_t random_seed_;
  RankCsv* csv_;
  UniqueFd iter_fd_;
};

/// COLLECTIVE (call on every rank after a CollectiveError, when -r was
/// asked): best-effort removal of exactly what this run created and has
/// not removed yet, deepest first; errors are ignored (nothing is removed
/// that the run did not create: items are removed by the names this rank
/// created successfully, directories only when empty, no symlink followed).
void cleanup_after_failure(RunContext& ctx, const Config& cfg, int root_fd, std::vector<IterationState>& its);

}  // namespace pfsbench::mdtest_like
