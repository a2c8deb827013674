#include "layout.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {

std::uint64_t TreeGeometry::dir_count() const {
  std::uint64_t total = 1, level = 1;
  for (std::uint32_t l = 0; l < depth; ++l) {
    level *= branch;
    total += level;
    if (level > kMaxTreeDirs || total > kMaxTreeDirs)
      throw UsageError(fmt::format(
          "-z {} -b {} makes a tree of more than {} directories, too many for one run; use a smaller depth "
          "or branching factor",
          depth, branch, kMaxTreeDirs));
  }
  return total;
}

std::uint64_t TreeGeometry::leaf_count() const {
  std::uint64_t level = 1;
  for (std::uint32_t l = 0; l < depth; ++l) level *= branch;
  return level;
}

ItemLayout resolve_items(const TreeGeometry& tree, bool leaf_only, std::uint64_t n,
                         std::uint64_t items_per_dir, bool* rounded_down) {
  if (tree.depth > 0 && tree.branch < 1)
    throw UsageError(fmt::format("-b {} with -z {}: a tree deeper than its root needs a branching factor of at "
                                 "least 1; use -b 1 or more",
                                 tree.branch, tree.depth));
  ItemLayout out;
  out.item_dir_count = leaf_only ? tree.leaf_count() : tree.dir_count();
  out.first_item_dir = leaf_only ? tree.first_leaf() : 0;
  if (rounded_down) *rounded_down = false;
  if (n == 0 && items_per_dir == 0)
    throw UsageError("no items: give -n (items per rank) or -I (items per directory), e.g. -n 1000");
  if (items_per_dir > 0 && n == 0) {
    out.items_per_dir = items_per_dir;
    out.items_per_rank = items_per_dir * out.item_dir_count;
  } else if (items_per_dir == 0) {
    if (n < out.item_dir_count)
      throw UsageError(fmt::format("-n {} is fewer than the {} directories that hold items ({}), so no directory "
                                   "would get one; use -n {} or more, or a smaller tree",
                                   n, out.item_dir_count, leaf_only ? "the leaves, -L" : "the whole tree",
                                   out.item_dir_count));
    out.items_per_dir = n / out.item_dir_count;
    out.items_per_rank = out.items_per_dir * out.item_dir_count;
    if (rounded_down) *rounded_down = out.items_per_rank != n;
  } else {
    if (n % items_per_dir != 0 || n / items_per_dir > out.item_dir_count)
      throw UsageError(fmt::format("-n {} with -I {}: n must be a multiple of I and at most I x {} (the directories "
                                   "that hold items); use -n {}, or give only one of -n and -I",
                                   n, items_per_dir, out.item_dir_count,
                                   std::min(n / items_per_dir, out.item_dir_count) * items_per_dir));
    out.items_per_dir = items_per_dir;
    out.items_per_rank = n;
  }
  return out;
}

std::string iteration_dir_name(int iteration) { return fmt::format("test-dir.{}-0", iteration); }

std::string tree_base(bool unique_per_rank, int owner_rank) {
  return unique_per_rank ? fmt::format("mdtest_tree.{}", owner_rank) : std::string("mdtest_tree");
}

std::string tree_dir_name(const std::string& base, std::uint64_t k) { return fmt::format("{}.{}", base, k); }

std::vector<std::uint64_t> tree_chain(const TreeGeometry& g, std::uint64_t k) {
  std::vector<std::uint64_t> chain{k};
  while (k != 0) {
    k = g.parent(k);
    chain.push_back(k);
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

std::string tree_dir_path(const TreeGeometry& g, const std::string& base, std::uint64_t k) {
  std::string path;
  for (std::uint64_t d : tree_chain(g, k)) {
    if (!path.empty()) path += '/';
    path += tree_dir_name(base, d);
  }
  return path;
}

std::string item_prefix(ItemKind kind, int owner_rank) {
  return fmt::format("{}.mdtest.{}.", kind == ItemKind::kFile ? "file" : "dir", owner_rank);
}

std::string item_name(ItemKind kind, int owner_rank, std::uint64_t number) {
  return item_prefix(kind, owner_rank) + std::to_string(number);
}

}  // namespace pfsbench::mdtest_like
