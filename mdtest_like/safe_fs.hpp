#pragma once
// Directory handles that never follow symlinks, opened component by
// component with O_NOFOLLOW. Tree removal and the cleanup after a failure
// work only through them, so a symlink planted in the tree is never followed
// (they cannot be steered outside the run's directories). The item phases use
// them with --path-resolution dirfd, and in full-path mode check through them,
// before each phase, that the tree's directories are still directories.

#include <string>

#include "pfsbench/unique_fd.hpp"

namespace pfsbench::mdtest_like {

/// Opens directory `relpath` ("a/b/c", relative to `base_fd`) one component
/// at a time with O_DIRECTORY | O_NOFOLLOW. Returns the fd, or -errno
/// (-ENOTDIR when a component is a symlink). The user's -d itself is opened
/// normally by the caller: where it points is the user's choice.
int open_dir_nofollow(int base_fd, const std::string& relpath);

/// Same, throwing IoError("open directory", display_path, errno, rank, hint).
UniqueFd open_dir_or_throw(int base_fd, const std::string& relpath, const std::string& display_path, int rank,
                           const std::string& hint = {});

}  // namespace pfsbench::mdtest_like
