#include "iteration.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "op_recorder.hpp"
#include "pfsbench/signals.hpp"
#include "timed_phase.hpp"

namespace pfsbench::mdtest_like {

const char* op_name(Op op) {
  switch (op) {
    case Op::kCreate: return "create";
    case Op::kStat: return "stat";
    case Op::kRead: return "read";
    case Op::kRemove: return "remove";
  }
  return "?";
}

std::string phase_name(ItemKind kind, Op op) {
  return fmt::format("{}_{}", kind == ItemKind::kFile ? "file" : "dir", op_name(op));
}

Iteration::Iteration(RunContext& ctx, const Config& cfg, int root_fd, IterationState& st,
                     std::uint64_t random_seed, RankCsv* csv)
    : ctx_(ctx), cfg_(cfg), root_fd_(root_fd), st_(st), random_seed_(random_seed), csv_(csv) {}

std::string Iteration::display(const std::string& rel) const {
  // As mdtest's prep_testdir: no doubled '/' after a -d that ends in one.
  const bool slash = !cfg_.dir.empty() && cfg_.dir.back() == '/';
  std::string p = fmt::format("{}{}{}", cfg_.dir, slash ? "" : "/", iteration_dir_name(st_.iteration));
  if (!rel.empty()) p += "/" + rel;
  return p;
}

void Iteration::run() {
  open_iteration_dir();
  if (cfg_.create) tree_create();
  if (cfg_.do_dirs) {
    if (cfg_.create) item_phase(ItemKind::kDir, Op::kCreate);
    if (cfg_.stat) item_phase(ItemKind::kDir, Op::kStat);
    if (cfg_.remove) item_phase(ItemKind::kDir, Op::kRemove);
  }
  if (cfg_.do_files) {
    if (cfg_.create) item_phase(ItemKind::kFile, Op::kCreate);
    if (cfg_.stat) item_phase(ItemKind::kFile, Op::kStat);
    if (cfg_.read) item_phase(ItemKind::kFile, Op::kRead);
    if (cfg_.remove) item_phase(ItemKind::kFile, Op::kRemove);
  }
  if (cfg_.remove) {
    tree_remove();
    remove_iteration_dir();
  }
}

void Iteration::open_iteration_dir() {
  const std::string name = iteration_dir_name(st_.iteration);
  if (cfg_.create) {
    // A new iteration directory, or a clean failure: creating into the tree
    // of an earlier run would count nothing real (mdtest reports a rate).
    ctx_.step([&] {
      if (!ctx_.comm.is_root()) return;
      if (::mkdirat(root_fd_, name.c_str(), 0755) != 0)
        throw IoError("mkdir", display(""), errno, ctx_.comm.rank(), -1, -1,
                      errno == EEXIST ? "it holds the tree of an earlier run: remove it with mdtest_like -r and "
                                        "the same options, or use another -d"
                                      : hint_for(errno, Op::kCreate, ItemKind::kDir));
      st_.iter_dir_created = true;
    });
  }
  ctx_.step([&] {
    iter_fd_ = open_dir_or_throw(root_fd_, name, display(""), ctx_.comm.rank(),
                                 "no tree of an earlier run here: run with -C first, with the same -d and -i");
  });
}

void Iteration::tree_create() {
  const TreeGeometry& g = cfg_.tree;
  const std::uint64_t dirs = g.dir_count();
  const std::string tree = tree_of(ctx_.comm.rank());
  // Full-path mode: mkdir of the whole path, as mdtest; dirfd mode: the path
  // under the iteration directory.
  const bool full = cfg_.path_resolution == PathResolution::kFull;
  const int at = full ? AT_FDCWD : iter_fd_.get();
  std::vector<std::string> paths;
  if (tree_creator()) {
    paths.reserve(dirs);
    for (std::uint64_t k = 0; k < dirs; ++k)
      paths.push_back(full ? display(tree_dir_path(g, tree, k)) : tree_dir_path(g, tree, k));
  }
  OpRecorder rec;
  begin_phase(ctx_.comm);
  timed_step(ctx_, rec, true, [&] {
    for (std::uint64_t k = 0; k < paths.size(); ++k) {
      // Parents were made just before by this rank, breadth-first.
      if (::mkdirat(at, paths[k].c_str(), 0755) != 0) {
        const int err = errno;
        throw IoError("mkdir", display(tree_dir_path(g, tree, k)), err, ctx_.comm.rank(), -1, -1,
                      hint_for(err, Op::kCreate, ItemKind::kDir));
      }
      rec.done(now_ns());
      st_.tree_dirs_created = k + 1;
      if (ctx_.stop_requested()) return;
    }
  });
  finish_phase(ctx_, rec, "tree_create", st_.iteration, {st_.tree_dirs_created, 0},
               {{"operation", "create"}, {"target", "tree"}, {"shared_directory", !cfg_.unique_dir},
                {"items_per_rank", tree_creator() ? dirs : 0}},
               csv_);
}

void Iteration::tree_remove() {
  const TreeGeometry& g = cfg_.tree;
  const std::uint64_t dirs = g.dir_count();
  const std::string tree = tree_of(ctx_.comm.rank());
  // Parents' fds, opened without following symlinks, so that every rmdir is
  // unlinkat(parent, name, AT_REMOVEDIR): a symlink is never followed and
  // only our empty directories go.
  std::vector<UniqueFd> parents;
  ctx_.step([&] {
    if (!tree_creator()) return;
    const std::uint64_t inner = g.first_leaf();
    for (std::uint64_t k = 0; k < inner; ++k) {
      const std::string rel = tree_dir_path(g, tree, k);
      parents.push_back(open_dir_or_throw(iter_fd_.get(), rel, display(rel), ctx_.comm.rank(),
                                          "the tree is incomplete: was it created with the same -z/-b/-u?"));
    }
  });
  std::vector<std::string> names;
  for (std::uint64_t k = 0; tree_creator() && k < dirs; ++k) names.push_back(tree_dir_name(tree, k));
  std::uint64_t removed = 0, kept = 0;
  std::string first_kept;
  OpRecorder rec;
  begin_phase(ctx_.comm);
  timed_step(ctx_, rec, true, [&] {
    for (std::uint64_t i = names.size(); i-- > 0;) {
      const int pfd = i == 0 ? iter_fd_.get() : parents[g.parent(i)].get();
      if (::unlinkat(pfd, names[i].c_str(), AT_REMOVEDIR) != 0) {
        const int err = errno;
        if (err == ENOTEMPTY || err == EEXIST) {
          // Holds entries this run did not create: left alone (not counted).
          if (kept++ == 0) first_kept = display(tree_dir_path(g, tree, i));
        } else {
          throw IoError("rmdir", display(tree_dir_path(g, tree, i)), err, ctx_.comm.rank(), -1, -1,
                        hint_for(err, Op::kRemove, ItemKind::kDir));
        }
      } else {
        ++removed;
      }
      rec.done(now_ns());
      if (ctx_.stop_requested()) return;
    }
    st_.tree_removed = true;
  });
  const std::uint64_t kept_all = ctx_.comm.allreduce_sum(kept);
  std::vector<std::string> kept_paths = ctx_.comm.gather(first_kept);
  finish_phase(ctx_, rec, "tree_remove", st_.iteration, {removed, 0},
               {{"operation", "remove"}, {"target", "tree"}, {"shared_directory", !cfg_.unique_dir},
                {"items_per_rank", tree_creator() ? dirs : 0}, {"kept_dirs", kept_all}},
               csv_);
  if (ctx_.comm.is_root() && kept_all > 0) {
    std::string example;
    for (const auto& p : kept_paths)
      if (!p.empty()) {
        example = p;
        break;
      }
    ctx_.warn(fmt::format("tree_remove (iteration {}): kept {} tree directories that hold entries this run did "
                          "not create, e.g. {}",
                          st_.iteration, kept_all, example));
  }
}

void Iteration::remove_iteration_dir() {
  iter_fd_ = UniqueFd();
  ctx_.step([&] {
    if (!ctx_.comm.is_root()) return;
    const std::string name = iteration_dir_name(st_.iteration);
    if (::unlinkat(root_fd_, name.c_str(), AT_REMOVEDIR) != 0) {
      const int err = errno;
      if (err == ENOTEMPTY || err == EEXIST) {
        ctx_.warn(fmt::format("kept {}: it holds entries this run did not create", display("")));
        return;
      }
      throw IoError("rmdir", display(""), err, 0, -1, -1, hint_for(err, Op::kRemove, ItemKind::kDir));
    }
    st_.iter_dir_removed = true;
  });
}

void cleanup_after_failure(RunContext& ctx, const Config& cfg, int root_fd, std::vector<IterationState>& its) {
  const int rank = ctx.comm.rank();
  for (auto it = its.rbegin(); it != its.rend(); ++it) {
    IterationState& st = *it;
    const std::string iter_name = iteration_dir_name(st.iteration);
    const int iter_fd = open_dir_nofollow(root_fd, iter_name);
    if (iter_fd >= 0) {
      UniqueFd iter(iter_fd);
      const std::string tree = tree_base(cfg.unique_dir, rank);
      // Items: by the names this rank created successfully.
      for (ItemKind kind : {ItemKind::kFile, ItemKind::kDir}) {
        const std::size_t ki = kind_index(kind);
        if (st.created[ki] == 0 || st.removed[ki]) continue;
        const std::uint64_t used = (st.created[ki] - 1) / cfg.layout.items_per_dir + 1;
        for (std::uint64_t d = 0; d < used; ++d) {
          const int dfd =
              open_dir_nofollow(iter.get(), tree_dir_path(cfg.tree, tree, cfg.layout.first_item_dir + d));
          if (dfd < 0) continue;
          UniqueFd dir(dfd);
          const std::uint64_t end = std::min(st.created[ki], (d + 1) * cfg.layout.items_per_dir);
          for (std::uint64_t j = d * cfg.layout.items_per_dir; j < end; ++j)
            ::unlinkat(dir.get(), item_name(kind, rank, cfg.layout.item_number(j)).c_str(),
                       kind == ItemKind::kDir ? AT_REMOVEDIR : 0);
        }
      }
      ctx.comm.barrier();  // every rank's items are gone before the tree goes
      if (!st.tree_removed) {
        for (std::uint64_t k = st.tree_dirs_created; k-- > 0;) {
          const std::uint64_t parent_k = k == 0 ? 0 : cfg.tree.parent(k);
          const int pfd = k == 0 ? ::dup(iter.get())
                                 : open_dir_nofollow(iter.get(), tree_dir_path(cfg.tree, tree, parent_k));
          if (pfd < 0) continue;
          UniqueFd parent(pfd);
          ::unlinkat(parent.get(), tree_dir_name(tree, k).c_str(), AT_REMOVEDIR);
        }
      }
    } else {
      ctx.comm.barrier();
    }
    ctx.comm.barrier();
    if (ctx.comm.is_root() && st.iter_dir_created && !st.iter_dir_removed)
      ::unlinkat(root_fd, iter_name.c_str(), AT_REMOVEDIR);
  }
}

}  // namespace pfsbench::mdtest_like
