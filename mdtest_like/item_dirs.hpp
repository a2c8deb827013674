#pragma once
// Where one phase's items are, and the name of each item, cheaply.
//
// ItemDirs is prepared before the timed loop of an item phase (inside it with
// -t): per item directory either an fd (--path-resolution dirfd: every
// operation is *at(fd, "file.mdtest.3.17")), or the directory's whole path
// from -d (full: every operation resolves "DIR/test-dir.0-0/mdtest_tree.0/
// file.mdtest.3.17" from the current directory, the path walk mdtest makes
// for every item, so rates compare with mdtest's).
//
// ItemCursor walks a rank's items j = 0..n-1 in one reused NameBuffer: the
// next item costs an in-place increment, a change of directory one copy of
// the directory's prefix; seek(j) (for -R's random order) a copy and a
// std::to_chars. No allocation, no formatting call.

#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"
#include "layout.hpp"
#include "name_buffer.hpp"
#include "safe_fs.hpp"

namespace pfsbench::mdtest_like {

/// What names one rank's items in one phase.
struct ItemPlace {
  const Config* cfg = nullptr;
  int iteration = 0;
  ItemKind kind = ItemKind::kFile;
  int owner = 0;        ///< the rank whose items these are (names, tree with -u)
  std::string base;     ///< tree_base() of the tree that holds them
  /// "DIR/test-dir.<i>-0/<tree path of item j's directory>/<item name>": the
  /// path in messages, and exactly what full-path mode resolves.
  std::string item_path(std::uint64_t j) const;
  /// The same for tree directory k (no item).
  std::string dir_path(std::uint64_t k) const;
};

class ItemDirs {
 public:
  ItemDirs() = default;
  /// Checks, without following a symlink, that each item directory (of the
  /// `used` first) is a directory under `iter_fd` (the open iteration
  /// directory); keeps the fds with `keep_fds` (dirfd mode). Not timed in
  /// full-path mode: it guards the phase (no symlink swapped in for a tree
  /// directory is followed by the phase's removes), it is not mdtest's work.
  /// Throws IoError naming the directory and `hint`.
  static ItemDirs open(const ItemPlace& place, int iter_fd, std::uint64_t used, bool keep_fds, int rank,
                       const std::string& hint);
  /// Builds the per-directory name prefixes: the bare item prefix with fds,
  /// the directories' whole paths without. Local, cheap (one string per
  /// directory): the "working directory" set-up that -t times.
  void build_prefixes(const ItemPlace& place, PathResolution mode);

  std::size_t size() const noexcept { return dirs_; }
  /// The fd the item paths are relative to: AT_FDCWD in full-path mode.
  int at_fd(std::size_t d) const noexcept;
  const std::string& prefix(std::size_t d) const noexcept { return prefixes_[full_ ? d : 0]; }
  bool full() const noexcept { return full_; }

 private:
  std::vector<UniqueFd> fds_;
  std::vector<std::string> prefixes_;
  std::size_t dirs_ = 0;
  bool full_ = false;
};

class ItemCursor {
 public:
  /// `dirs` must outlive the cursor and have its prefixes built.
  ItemCursor(const ItemDirs& dirs, const ItemLayout& layout);

  /// Positions on item j (0-based index of the rank's items).
  void seek(std::uint64_t j);
  /// Moves to item j + 1 (never past the last item directory).
  void next() noexcept {
    ++j_;
    if (--left_ != 0) {
      name_.increment();
      return;
    }
    left_ = per_dir_;
    if (++dir_ >= dirs_.size()) return;
    at_fd_ = dirs_.at_fd(dir_);
    if (dirs_.full())
      name_.reset(dirs_.prefix(dir_), first_number_ + j_);
    else
      name_.increment();  // numbers run on across directories
  }
  int at_fd() const noexcept { return at_fd_; }
  const char* path() const noexcept { return name_.c_str(); }
  std::uint64_t index() const noexcept { return j_; }

 private:
  const ItemDirs& dirs_;
  NameBuffer name_;
  std::uint64_t per_dir_, first_number_;
  std::uint64_t j_ = 0, left_ = 0;
  std::size_t dir_ = 0;
  int at_fd_ = -1;
};

}  // namespace pfsbench::mdtest_like
