// ItemCursor names every item exactly as ItemPlace::item_path spells it
// (mdtest's layout), in order across directories and by seek (for -R), in
// full-path mode (AT_FDCWD + the whole path) and dirfd mode (a directory fd
// + the bare name). A real tree in a temp directory, since ItemDirs opens it.
#include "item_dirs.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "config.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {
namespace {

namespace fs = std::filesystem;

class ItemDirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pfsb-itemdirs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }

  /// -z 2 -b 2 (7 tree directories) made on disk for `base`; the config's -d is root_/md/.
  Config make(bool leaf_only, std::uint64_t items_per_dir, const std::string& base) {
    Config c;
    c.dir = root_ + "/md/";  // a trailing '/': mdtest does not double it
    c.depth = 2;
    c.branch = 2;
    c.leaf_only = leaf_only;
    c.items_per_dir = items_per_dir;
    c.tree = TreeGeometry{2, 2};
    c.layout = resolve_items(c.tree, leaf_only, 0, items_per_dir);
    for (std::uint64_t k = 0; k < c.tree.dir_count(); ++k)
      fs::create_directories(root_ + "/md/test-dir.0-0/" + tree_dir_path(c.tree, base, k));
    return c;
  }

  std::string root_;
};

void walk_and_check(const Config& c, const ItemPlace& place, PathResolution mode, int iter_fd) {
  ItemDirs dirs = ItemDirs::open(place, iter_fd, c.layout.used_dir_count(), mode == PathResolution::kDirFd, 0, "");
  dirs.build_prefixes(place, mode);
  ItemCursor cur(dirs, c.layout);
  cur.seek(0);
  for (std::uint64_t j = 0; j < c.layout.items_per_rank; ++j, cur.next()) {
    const std::string want = place.item_path(j);
    ASSERT_EQ(cur.index(), j);
    if (mode == PathResolution::kFull) {
      EXPECT_EQ(cur.at_fd(), AT_FDCWD);
      EXPECT_EQ(std::string(cur.path()), want) << j;
    } else {
      // the bare name, under an fd of the item's directory
      EXPECT_EQ(want.substr(want.rfind('/') + 1), cur.path()) << j;
      struct stat a, b;
      ASSERT_EQ(::fstat(cur.at_fd(), &a), 0);
      ASSERT_EQ(::stat(want.substr(0, want.rfind('/')).c_str(), &b), 0);
      EXPECT_EQ(a.st_ino, b.st_ino) << j;
    }
  }
  // seek (-R's random order) lands on the same names
  for (std::uint64_t j : {c.layout.items_per_rank - 1, std::uint64_t{0}, c.layout.items_per_dir}) {
    cur.seek(j);
    const std::string want = place.item_path(j);
    EXPECT_EQ(mode == PathResolution::kFull ? want : want.substr(want.rfind('/') + 1), cur.path()) << j;
  }
}

TEST_F(ItemDirsTest, FullAndDirFdNameMdtestsPathsSharedTree) {
  const Config c = make(false, 3, "mdtest_tree");  // 7 dirs x 3 items
  const ItemPlace place{&c, 0, ItemKind::kFile, 5, "mdtest_tree"};
  EXPECT_EQ(place.item_path(0), root_ + "/md/test-dir.0-0/mdtest_tree.0/file.mdtest.5.0");
  EXPECT_EQ(place.item_path(20), root_ + "/md/test-dir.0-0/mdtest_tree.0/mdtest_tree.2/mdtest_tree.6/file.mdtest.5.20");
  const int iter_fd = ::open((root_ + "/md/test-dir.0-0").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(iter_fd, 0);
  walk_and_check(c, place, PathResolution::kFull, iter_fd);
  walk_and_check(c, place, PathResolution::kDirFd, iter_fd);
  ::close(iter_fd);
}

TEST_F(ItemDirsTest, LeafOnlyUniqueTreeNumbersAsMdtest) {
  const Config c = make(true, 2, "mdtest_tree.1");  // leaves 3..6, 2 items each: numbers 6..13
  const ItemPlace place{&c, 0, ItemKind::kDir, 1, "mdtest_tree.1"};
  EXPECT_EQ(place.item_path(0),
            root_ + "/md/test-dir.0-0/mdtest_tree.1.0/mdtest_tree.1.1/mdtest_tree.1.3/dir.mdtest.1.6");
  EXPECT_EQ(place.item_path(7),
            root_ + "/md/test-dir.0-0/mdtest_tree.1.0/mdtest_tree.1.2/mdtest_tree.1.6/dir.mdtest.1.13");
  const int iter_fd = ::open((root_ + "/md/test-dir.0-0").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(iter_fd, 0);
  walk_and_check(c, place, PathResolution::kFull, iter_fd);
  walk_and_check(c, place, PathResolution::kDirFd, iter_fd);
  ::close(iter_fd);
}

TEST_F(ItemDirsTest, SymlinkedTreeDirectoryIsRefused) {
  const Config c = make(false, 1, "mdtest_tree");
  const std::string d = root_ + "/md/test-dir.0-0/mdtest_tree.0/mdtest_tree.2";
  fs::rename(d, root_ + "/elsewhere");
  fs::create_directory_symlink(root_ + "/elsewhere", d);
  const ItemPlace place{&c, 0, ItemKind::kFile, 0, "mdtest_tree"};
  const int iter_fd = ::open((root_ + "/md/test-dir.0-0").c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(iter_fd, 0);
  // Full-path mode checks too (untimed): a symlink is never walked through.
  EXPECT_THROW(ItemDirs::open(place, iter_fd, c.layout.used_dir_count(), false, 0, ""), IoError);
  EXPECT_THROW(ItemDirs::open(place, iter_fd, c.layout.used_dir_count(), true, 0, ""), IoError);
  ::close(iter_fd);
}

}  // namespace
}  // namespace pfsbench::mdtest_like
