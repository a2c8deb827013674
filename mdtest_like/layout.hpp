#pragma once
// Where mdtest_like puts things: the directory tree of one iteration and the
// item names in it. Pure (no I/O, no MPI), so every rule is unit-tested.
//
// On disk, for `-d DIR`, iteration i:
//   DIR/test-dir.<i>/                         the iteration directory (rank 0)
//   DIR/test-dir.<i>/mdtest_tree.<t>/...      tree t: t = 0 shared by all ranks,
//                                             t = rank with -u (one tree per rank)
// Tree directories are numbered breadth-first from 0 (the tree root). The root
// is named "mdtest_tree.<t>", directory k > 0 "mdtest_tree.<t>.<k>", nested
// under its parent (k - 1) / branch. Items of rank r are named
// "file.mdtest.<r>.<j>" / "dir.mdtest.<r>.<j>", j = 0..n-1, and item j lives
// in item directory j / items_per_dir (item directories are all tree
// directories in breadth-first order, or only the leaves with -L).

#include <cstdint>
#include <string>
#include <vector>

namespace pfsbench::mdtest_like {

/// mdtest's tree: depth z (0 = only the root), branching factor b.
struct TreeGeometry {
  std::uint32_t depth = 0;
  std::uint32_t branch = 1;

  /// Directories in the tree: 1 + b + b^2 + ... + b^z. Throws UsageError past kMaxTreeDirs.
  std::uint64_t dir_count() const;
  /// Directories at the deepest level: b^z.
  std::uint64_t leaf_count() const;
  /// Index of the first leaf (leaves are the last leaf_count() directories).
  std::uint64_t first_leaf() const { return dir_count() - leaf_count(); }
  /// Parent of directory k > 0.
  std::uint64_t parent(std::uint64_t k) const { return (k - 1) / branch; }
  bool is_leaf(std::uint64_t k) const { return k >= first_leaf(); }
};

/// More directories than this in one tree is a usage error (a typo in -z/-b).
inline constexpr std::uint64_t kMaxTreeDirs = 1'000'000;

/// How items spread over the tree, resolved from -n, -I and -L as mdtest does.
struct ItemLayout {
  std::uint64_t items_per_rank = 0;   ///< n: items (files and/or dirs) of each rank per kind
  std::uint64_t items_per_dir = 0;    ///< I: items of one rank in one item directory
  std::uint64_t item_dir_count = 0;   ///< directories that hold items (all, or leaves with -L)
  std::uint64_t first_item_dir = 0;   ///< tree index of the first item directory
  /// Tree index of the directory that holds item j.
  std::uint64_t dir_of_item(std::uint64_t j) const { return first_item_dir + j / items_per_dir; }
  /// Item directories that hold at least one item.
  std::uint64_t used_dir_count() const {
    return items_per_rank == 0 ? 0 : (items_per_rank - 1) / items_per_dir + 1;
  }
};

/// Resolves the layout (mdtest's rules):
///  - only -I: n = I x item directories;
///  - only -n: I = n / item directories, and n is rounded down to I x item
///    directories (`rounded_down` tells the caller to warn);
///  - both: n must be a multiple of I and fit: n / I <= item directories.
/// Throws UsageError when nothing is left (n < item directories) or the
/// values contradict each other.
ItemLayout resolve_items(const TreeGeometry& tree, bool leaf_only, std::uint64_t n,
                         std::uint64_t items_per_dir, bool* rounded_down = nullptr);

/// "test-dir.<iteration>"
std::string iteration_dir_name(int iteration);
/// Name of tree directory k of tree t (one path component).
std::string tree_dir_name(std::uint64_t tree, std::uint64_t k);
/// Path of tree directory k relative to the iteration directory, e.g.
/// "mdtest_tree.0/mdtest_tree.0.1/mdtest_tree.0.4".
std::string tree_dir_path(const TreeGeometry& g, std::uint64_t tree, std::uint64_t k);
/// Indices from the root down to k (inclusive): {0, ..., parent(k), k}.
std::vector<std::uint64_t> tree_chain(const TreeGeometry& g, std::uint64_t k);

enum class ItemKind { kFile, kDir };
/// "file.mdtest.<rank>." or "dir.mdtest.<rank>.": the fixed part of item names.
std::string item_prefix(ItemKind kind, int owner_rank);
/// The full item name, for messages: prefix + j.
std::string item_name(ItemKind kind, int owner_rank, std::uint64_t j);

}  // namespace pfsbench::mdtest_like
