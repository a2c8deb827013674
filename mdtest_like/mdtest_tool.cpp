#include "mdtest_tool.hpp"

#include <cerrno>
#include <fcntl.h>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "iteration.hpp"
#include "pfsbench/error.hpp"
#include "safe_fs.hpp"

namespace pfsbench::mdtest_like {

std::string MdtestTool::description() const {
  return "mdtest_like: mdtest's metadata phases (tree, directory and file create/stat/read/remove) under MPI, "
         "by default all ranks in ONE shared directory; rates, per-rank times, latency percentiles and the "
         "file-create rate over time in one JSON document.";
}

void MdtestTool::validate() {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  mdtest_like::validate(cfg_, ranks);
}

void MdtestTool::run(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  if (comm.is_root()) {
    ctx.result.verification.enabled = cfg_.verify_read;
    if (cfg_.items_rounded_down)
      ctx.warn(fmt::format("-n {} rounded down to {} items per rank: {} per directory over {} directories (as "
                           "mdtest does); give -n as a multiple of {} to avoid this",
                           cfg_.items, cfg_.layout.items_per_rank, cfg_.layout.items_per_dir,
                           cfg_.layout.item_dir_count, cfg_.layout.item_dir_count));
  }
  if (ctx.verbose_root())
    ctx.out << fmt::format("mdtest_like: {} ranks, {} items per rank, {} tree{} (depth {}, branch {}) in {}\n",
                           comm.size(), cfg_.layout.items_per_rank, cfg_.unique_dir ? "one" : "one shared",
                           cfg_.unique_dir ? " per rank" : "", cfg_.depth, cfg_.branch, cfg_.dir)
            << std::flush;

  // The -d directory: made by rank 0 when missing (only its last component,
  // as mdtest), removed at the end only when this run made it and it is empty.
  bool root_created = false;
  ctx.step([&] {
    if (!comm.is_root() || !cfg_.create) return;
    if (::mkdir(cfg_.dir.c_str(), 0755) == 0) {
      root_created = true;
    } else if (errno != EEXIST) {
      throw IoError("mkdir", cfg_.dir, errno, 0, -1, -1, "the parent of -d must exist and be writable");
    }
  });
  UniqueFd root_fd;
  ctx.step([&] {
    const int fd = ::open(cfg_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      throw IoError("open directory", cfg_.dir, errno, comm.rank(), -1, -1,
                    cfg_.create ? "-d must be a directory" : "-d must exist: run with -C first");
    root_fd = UniqueFd(fd);
  });

  std::vector<IterationState> its;
  its.reserve(static_cast<std::size_t>(cfg_.iterations));
  try {
    for (int i = 0; i < cfg_.iterations; ++i) {
      its.push_back(IterationState{});
      its.back().iteration = i;
      Iteration(ctx, cfg_, root_fd.get(), its.back()).run();
    }
  } catch (const CollectiveError&) {
    // All ranks are here together. With -r, take away what this run made.
    if (cfg_.remove) {
      cleanup_after_failure(ctx, cfg_, root_fd.get(), its);
      if (comm.is_root() && root_created) ::rmdir(cfg_.dir.c_str());
    }
    throw;
  }
  if (cfg_.remove) {  // root_created is rank 0's alone: every rank takes the step
    ctx.step([&] {
      if (!comm.is_root() || !root_created) return;
      if (::rmdir(cfg_.dir.c_str()) != 0) {
        if (errno == ENOTEMPTY || errno == EEXIST)
          ctx.warn(fmt::format("kept {}: it holds entries this run did not create", cfg_.dir));
        else
          throw IoError("rmdir", cfg_.dir, errno, 0);
      }
    });
  }
}

void MdtestTool::report(const RunContext& ctx, std::ostream& out) const { print_report(ctx.result, out); }

}  // namespace pfsbench::mdtest_like
