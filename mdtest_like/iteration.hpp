#pragma once
// One iteration of mdtest_like: the tree and item phases in mdtest's order
// (tree create; directory create, stat, remove; file create, stat, read,
// remove; tree remove), each a measured phase, plus what the run created so
// that cleanup after a failure removes exactly that and nothing else.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"
#include "layout.hpp"
#include "pfsbench/tool.hpp"
#include "safe_fs.hpp"

namespace pfsbench::mdtest_like {

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
  std::array<std::uint64_t, 2> items{};    ///< items per rank for stat/read/remove (after -W: the agreed count)
};

/// Where the results of one iteration go and what it works on.
class Iteration {
 public:
  /// `root_fd`: the open -d directory (valid on every rank).
  Iteration(RunContext& ctx, const Config& cfg, int root_fd, IterationState& st);
  /// COLLECTIVE. Runs the selected phases; throws CollectiveError on failure.
  void run();

 private:
  void open_iteration_dir();
  void tree_create();
  void tree_remove();
  void remove_iteration_dir();
  void item_phase(ItemKind kind, Op op);
  /// Path for messages: DIR/test-dir.<i>/<rel>.
  std::string display(const std::string& rel) const;
  /// Opens the item directories of tree `tree` that hold items (in order).
  std::vector<UniqueFd> open_item_dirs(std::uint64_t tree) const;
  std::uint64_t tree_of(int owner) const { return cfg_.unique_dir ? static_cast<std::uint64_t>(owner) : 0; }
  bool tree_creator() const { return cfg_.unique_dir || ctx_.comm.is_root(); }

  RunContext& ctx_;
  const Config& cfg_;
  int root_fd_;
  IterationState& st_;
  UniqueFd iter_fd_;
};

/// COLLECTIVE (call on every rank after a CollectiveError, when -r was
/// asked): best-effort removal of exactly what this run created and has
/// not removed yet, deepest first; errors are ignored (nothing is removed
/// that the run did not create: items are removed by the names this rank
/// created successfully, directories only when empty, no symlink followed).
void cleanup_after_failure(RunContext& ctx, const Config& cfg, int root_fd, std::vector<IterationState>& its);

}  // namespace pfsbench::mdtest_like
