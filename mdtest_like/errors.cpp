#include "errors.hpp"

#include <cerrno>

#include "iteration.hpp"

namespace pfsbench::mdtest_like {

std::string hint_for(int err, Op op, ItemKind kind) {
  switch (err) {
    case EEXIST:
      return op == Op::kCreate ? "the entry is left from an earlier run: remove it with mdtest_like -r and the same "
                                 "options, or use another -d"
                               : "";
    case ENOSPC:
      return "the filesystem is out of space or inodes (see df -h and df -i): use a smaller -n/-w or another -d";
    case EDQUOT: return "a quota is exhausted: use a smaller -n/-w or another -d";
    case EACCES:
    case EPERM: return "no permission: use a -d you can write to";
    case EMFILE:
    case ENFILE: return "too many open files: raise 'ulimit -n' or use fewer item directories (-z/-b/-I)";
    case ENOENT:
      return op == Op::kCreate
                 ? "a directory of the tree is missing"
                 : "the item is missing: create it first with -C and the same -n/-I/-z/-b/-u/-L/-i (and no -W)";
    case ENOTDIR:
      return "a directory of the tree is not a directory (or is a symlink, which is never followed)";
    case ENOTEMPTY:
      return kind == ItemKind::kDir ? "the directory holds entries this run did not create" : "";
    default: return "";
  }
}

}  // namespace pfsbench::mdtest_like
