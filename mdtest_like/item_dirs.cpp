#include "item_dirs.hpp"

#include <fcntl.h>

#include <fmt/format.h>

namespace pfsbench::mdtest_like {

namespace {

std::string iteration_path(const Config& cfg, int iteration) {
  // As mdtest's prep_testdir: no doubled '/' after a -d that ends in one.
  const bool slash = !cfg.dir.empty() && cfg.dir.back() == '/';
  return fmt::format("{}{}{}", cfg.dir, slash ? "" : "/", iteration_dir_name(iteration));
}

}  // namespace

std::string ItemPlace::dir_path(std::uint64_t k) const {
  return iteration_path(*cfg, iteration) + "/" + tree_dir_path(cfg->tree, base, k);
}

std::string ItemPlace::item_path(std::uint64_t j) const {
  return dir_path(cfg->layout.dir_of_item(j)) + "/" + item_name(kind, owner, cfg->layout.item_number(j));
}

ItemDirs ItemDirs::open(const ItemPlace& place, int iter_fd, std::uint64_t used, bool keep_fds, int rank,
                        const std::string& hint) {
  ItemDirs out;
  out.dirs_ = static_cast<std::size_t>(used);
  if (keep_fds) out.fds_.reserve(out.dirs_);
  for (std::uint64_t d = 0; d < used; ++d) {
    const std::uint64_t k = place.cfg->layout.first_item_dir + d;
    UniqueFd fd = open_dir_or_throw(iter_fd, tree_dir_path(place.cfg->tree, place.base, k), place.dir_path(k), rank,
                                    hint);
    if (keep_fds) out.fds_.push_back(std::move(fd));
  }
  return out;
}

void ItemDirs::build_prefixes(const ItemPlace& place, PathResolution mode) {
  full_ = mode == PathResolution::kFull;
  prefixes_.clear();
  const std::string item = item_prefix(place.kind, place.owner);
  if (!full_) {
    prefixes_.push_back(item);
    return;
  }
  prefixes_.reserve(dirs_);
  for (std::size_t d = 0; d < dirs_; ++d)
    prefixes_.push_back(place.dir_path(place.cfg->layout.first_item_dir + d) + "/" + item);
}

int ItemDirs::at_fd(std::size_t d) const noexcept { return full_ ? AT_FDCWD : fds_[d].get(); }

ItemCursor::ItemCursor(const ItemDirs& dirs, const ItemLayout& layout)
    : dirs_(dirs),
      name_(dirs.size() > 0 ? dirs.prefix(0) : std::string()),
      per_dir_(layout.items_per_dir),
      first_number_(layout.item_number(0)) {}

void ItemCursor::seek(std::uint64_t j) {
  j_ = j;
  dir_ = static_cast<std::size_t>(j / per_dir_);
  left_ = per_dir_ - j % per_dir_;
  if (dir_ >= dirs_.size()) return;
  at_fd_ = dirs_.at_fd(dir_);
  name_.reset(dirs_.prefix(dir_), first_number_ + j);
}

}  // namespace pfsbench::mdtest_like
