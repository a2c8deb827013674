// Tree geometry, item layout and names of mdtest_like: exact values.
#include "layout.hpp"

#include <gtest/gtest.h>

#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {
namespace {

TEST(TreeGeometry, CountsTable) {
  struct Case {
    std::uint32_t depth, branch;
    std::uint64_t dirs, leaves, first_leaf;
  };
  const Case cases[] = {
      {0, 1, 1, 1, 0}, {0, 5, 1, 1, 0},  {1, 1, 2, 1, 1},   {3, 1, 4, 1, 3},
      {1, 3, 4, 3, 1}, {2, 2, 7, 4, 3},  {2, 3, 13, 9, 4},  {3, 10, 1111, 1000, 111},
  };
  for (const auto& c : cases) {
    const TreeGeometry g{c.depth, c.branch};
    EXPECT_EQ(g.dir_count(), c.dirs) << "z=" << c.depth << " b=" << c.branch;
    EXPECT_EQ(g.leaf_count(), c.leaves) << "z=" << c.depth << " b=" << c.branch;
    EXPECT_EQ(g.first_leaf(), c.first_leaf) << "z=" << c.depth << " b=" << c.branch;
  }
}

TEST(TreeGeometry, ParentsAndLeaves) {
  const TreeGeometry g{2, 3};  // 0 | 1 2 3 | 4..12
  EXPECT_EQ(g.parent(1), 0u);
  EXPECT_EQ(g.parent(3), 0u);
  EXPECT_EQ(g.parent(4), 1u);
  EXPECT_EQ(g.parent(6), 1u);
  EXPECT_EQ(g.parent(7), 2u);
  EXPECT_EQ(g.parent(12), 3u);
  EXPECT_FALSE(g.is_leaf(3));
  EXPECT_TRUE(g.is_leaf(4));
  EXPECT_EQ(tree_chain(g, 0), (std::vector<std::uint64_t>{0}));
  EXPECT_EQ(tree_chain(g, 11), (std::vector<std::uint64_t>{0, 3, 11}));
}

TEST(TreeGeometry, HugeTreeIsUsageError) { EXPECT_THROW((TreeGeometry{7, 10}.dir_count()), UsageError); }

TEST(Names, TreeDirsAndItems) {
  const TreeGeometry g{2, 2};
  // mdtest's names (hpc/ior src/mdtest.c): test-dir.<i>-<loop>, "mdtest_tree.<k>"
  // shared, "mdtest_tree.<rank>.<k>" with -u.
  EXPECT_EQ(iteration_dir_name(3), "test-dir.3-0");
  EXPECT_EQ(tree_base(false, 7), "mdtest_tree");
  EXPECT_EQ(tree_base(true, 7), "mdtest_tree.7");
  EXPECT_EQ(tree_dir_name("mdtest_tree", 0), "mdtest_tree.0");
  EXPECT_EQ(tree_dir_name("mdtest_tree", 4), "mdtest_tree.4");
  EXPECT_EQ(tree_dir_name("mdtest_tree.5", 0), "mdtest_tree.5.0");
  EXPECT_EQ(tree_dir_name("mdtest_tree.5", 4), "mdtest_tree.5.4");
  EXPECT_EQ(tree_dir_path(g, "mdtest_tree", 0), "mdtest_tree.0");
  EXPECT_EQ(tree_dir_path(g, "mdtest_tree", 2), "mdtest_tree.0/mdtest_tree.2");
  EXPECT_EQ(tree_dir_path(g, "mdtest_tree", 6), "mdtest_tree.0/mdtest_tree.2/mdtest_tree.6");
  EXPECT_EQ(tree_dir_path(g, "mdtest_tree.1", 5), "mdtest_tree.1.0/mdtest_tree.1.2/mdtest_tree.1.5");
  EXPECT_EQ(item_prefix(ItemKind::kFile, 3), "file.mdtest.3.");
  EXPECT_EQ(item_prefix(ItemKind::kDir, 0), "dir.mdtest.0.");
  EXPECT_EQ(item_name(ItemKind::kFile, 12, 3456), "file.mdtest.12.3456");
}

TEST(ResolveItems, OnlyN) {
  bool rounded = true;
  const auto l = resolve_items(TreeGeometry{0, 1}, false, 1000, 0, &rounded);
  EXPECT_EQ(l.items_per_rank, 1000u);
  EXPECT_EQ(l.items_per_dir, 1000u);
  EXPECT_EQ(l.item_dir_count, 1u);
  EXPECT_EQ(l.used_dir_count(), 1u);
  EXPECT_FALSE(rounded);
  EXPECT_EQ(l.dir_of_item(999), 0u);
}

TEST(ResolveItems, OneItemPerRank) {
  const auto l = resolve_items(TreeGeometry{0, 1}, false, 1, 0);
  EXPECT_EQ(l.items_per_rank, 1u);
  EXPECT_EQ(l.items_per_dir, 1u);
}

TEST(ResolveItems, NRoundedDownOverTree) {
  bool rounded = false;
  const auto l = resolve_items(TreeGeometry{2, 2}, false, 100, 0, &rounded);  // 7 dirs
  EXPECT_EQ(l.items_per_dir, 14u);
  EXPECT_EQ(l.items_per_rank, 98u);
  EXPECT_TRUE(rounded);
  EXPECT_EQ(l.first_item_dir, 0u);
  EXPECT_EQ(l.dir_of_item(0), 0u);
  EXPECT_EQ(l.dir_of_item(13), 0u);
  EXPECT_EQ(l.dir_of_item(14), 1u);
  EXPECT_EQ(l.dir_of_item(97), 6u);
  EXPECT_EQ(l.item_number(97), 97u);  // all directories hold items: number = j
}

TEST(ResolveItems, LeafOnly) {
  const auto l = resolve_items(TreeGeometry{2, 2}, true, 40, 0);  // leaves 3..6
  EXPECT_EQ(l.item_dir_count, 4u);
  EXPECT_EQ(l.first_item_dir, 3u);
  EXPECT_EQ(l.items_per_dir, 10u);
  EXPECT_EQ(l.dir_of_item(0), 3u);
  EXPECT_EQ(l.dir_of_item(39), 6u);
  // mdtest numbers items per directory: leaf 3 holds numbers 30..39.
  EXPECT_EQ(l.item_number(0), 30u);
  EXPECT_EQ(l.item_number(39), 69u);
}

TEST(ResolveItems, OnlyItemsPerDir) {
  const auto all = resolve_items(TreeGeometry{2, 3}, false, 0, 5);
  EXPECT_EQ(all.items_per_rank, 65u);  // 13 dirs
  const auto leaves = resolve_items(TreeGeometry{2, 3}, true, 0, 5);
  EXPECT_EQ(leaves.items_per_rank, 45u);  // 9 leaves
}

TEST(ResolveItems, BothNAndI) {
  const auto l = resolve_items(TreeGeometry{1, 4}, false, 20, 10);  // 5 dirs, 2 used
  EXPECT_EQ(l.items_per_rank, 20u);
  EXPECT_EQ(l.items_per_dir, 10u);
  EXPECT_EQ(l.used_dir_count(), 2u);
  EXPECT_THROW(resolve_items(TreeGeometry{1, 4}, false, 25, 10), UsageError);  // not a multiple
  EXPECT_THROW(resolve_items(TreeGeometry{1, 4}, false, 60, 10), UsageError);  // 6 dirs > 5
}

TEST(ResolveItems, Errors) {
  EXPECT_THROW(resolve_items(TreeGeometry{0, 1}, false, 0, 0), UsageError);    // nothing
  EXPECT_THROW(resolve_items(TreeGeometry{2, 2}, false, 5, 0), UsageError);    // fewer than 7 dirs
  EXPECT_THROW(resolve_items(TreeGeometry{2, 0}, false, 100, 0), UsageError);  // b = 0 with depth
}

}  // namespace
}  // namespace pfsbench::mdtest_like
