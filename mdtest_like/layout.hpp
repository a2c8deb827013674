#pragma once
// Where mdtest_like puts things: the directory tree of one iteration and the
// item names in it. Pure (no I/O, no MPI), so every rule is unit-tested.
//
// On disk, for `-d DIR`, iteration i, exactly mdtest's names (hpc/ior
// src/mdtest.c), so that a site's scripts and its mdtest history find the
// same paths:
//   DIR/test-dir.<i>-0/                       the iteration directory (rank 0)
//   DIR/test-dir.<i>-0/<base>.0/...           the tree: base "mdtest_tree",
//                                             shared by all ranks, or base
//                                             "mdtest_tree.<rank>" with -u
// Tree directories are numbered breadth-first from 0 (the tree root); tree
// directory k is named "<base>.<k>", nested under its parent (k - 1) / branch:
// "mdtest_tree.0/mdtest_tree.2/mdtest_tree.6", or with -u for rank 1
// "mdtest_tree.1.0/mdtest_tree.1.2/mdtest_tree.1.6". Items are numbered per
// directory as mdtest does: the items of tree directory k are numbers
// k * I .. k * I + I - 1 (I = items per directory), so a rank's item j (j =
// 0..n-1, in order) has number first_item_dir * I + j and lives in tree
// directory first_item_dir + j / I (item directories are all tree directories
// in breadth-first order, or only the leaves with -L). Items of rank r are
// named "file.mdtest.<r>.<number>" / "dir.mdtest.<r>.<number>".

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
  /// mdtest's number of item j (its name's last part): first_item_dir * I + j.
  std::uint64_t item_number(std::uint64_t j) const { return first_item_dir * items_per_dir + j; }
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

/// "test-dir.<iteration>-0" (mdtest's "-<directory loop>" is always 0 here).
std::string iteration_dir_name(int iteration);
/// The base of tree directory names: "mdtest_tree" for the tree all ranks
/// share, "mdtest_tree.<owner_rank>" for a rank's own tree (-u).
std::string tree_base(bool unique_per_rank, int owner_rank);
/// Name of tree directory k (one path component): "<base>.<k>".
std::string tree_dir_name(const std::string& base, std::uint64_t k);
/// Path of tree directory k relative to the iteration directory, e.g.
/// "mdtest_tree.0/mdtest_tree.1/mdtest_tree.4".
std::string tree_dir_path(const TreeGeometry& g, const std::string& base, std::uint64_t k);
/// Indices from the root down to k (inclusive): {0, ..., parent(k), k}.
std::vector<std::uint64_t> tree_chain(const TreeGeometry& g, std::uint64_t k);

enum class ItemKind { kFile, kDir };
/// "file.mdtest.<rank>." or "dir.mdtest.<rank>.": the fixed part of item names.
std::string item_prefix(ItemKind kind, int owner_rank);
/// The full item name: prefix + number (ItemLayout::item_number).
std::string item_name(ItemKind kind, int owner_rank, std::uint64_t number);

}  // namespace pfsbench::mdtest_like
