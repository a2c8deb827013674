#include "mdtest_tool.hpp"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "iteration.hpp"
#include "pfsbench/error.hpp"
#include "safe_fs.hpp"
#include "pfsbench/stonewall_status.hpp"

namespace pfsbench::mdtest_like {

std::string MdtestTool::description() const {
  return "mdtest_like: mdtest's metadata phases (tree, directory and file create/stat/read/remove) under MPI, "
         "by default all ranks in ONE shared directory; rates, per-rank times, latency percentiles and the "
         "file-create rate over time in one JSON document.";
}

void MdtestTool::validate() { mdtest_like::validate(cfg_, Comm().size()); }

namespace {

/// COLLECTIVE. Items per rank for the stat/read/remove phases: -n, or with
/// -x and no create phase, the count the status file holds (checked against
/// the layout on every rank alike).
std::uint64_t items_for_later_phases(RunContext& ctx, const Config& cfg) {
  if (cfg.status_file.empty() || cfg.create) return cfg.layout.items_per_rank;
  const std::uint64_t count = load_status_count(ctx, cfg.status_file, status_file_use());
  ctx.step([&] {
    if (count > cfg.layout.items_per_rank)
      throw UsageError(fmt::format("-x {} holds {} items per rank, more than the {} of this run's -n/-I/-z/-b/-L: "
                                   "give the options of the run that wrote it",
                                   cfg.status_file, count, cfg.layout.items_per_rank));
  });
  return count;
}

/// COLLECTIVE. -R's seed: --random-seed, or rank 0's pick, the same on every rank.
std::uint64_t resolve_random_seed(const Comm& comm, const Config& cfg) {
  if (!cfg.random_order) return 0;
  if (cfg.random_seed) return *cfg.random_seed;
  std::uint64_t seed = 0;
  if (comm.is_root()) seed = std::random_device{}();  // 32 bits, like mdtest's time(NULL)
  comm.bcast(seed);
  return seed;
}

/// Rank 0 (re)writes --saveRankPerformanceDetails' file with `text`: at the
/// start the header alone (as mdtest, which truncates it then), so a path
/// that cannot be written stops the run before any I/O; at the end the rows.
void write_rank_csv(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (out) out << text;
  out.flush();
  if (!out)
    throw IoError("write (--saveRankPerformanceDetails)", path, errno, 0, -1, -1,
                  "check that its directory exists and is writable");
}

}  // namespace

int own_node_item_ranks(const std::vector<int>& node_of_rank, int stride) {
  const int n = static_cast<int>(node_of_rank.size());
  int own = 0;
  for (int r = 0; r < n; ++r)
    own += node_of_rank[static_cast<std::size_t>((r + stride) % n)] == node_of_rank[static_cast<std::size_t>(r)];
  return own;
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
    // -N is there to defeat the client cache: rank r works on the items of
    // rank r+N, which should be on another node (mdtest's advice: -N = the
    // ranks per node). Say when it is not, for some ranks or for all.
    const int own = own_node_item_ranks(ctx.layout.node_of_rank, cfg_.stride);
    if (cfg_.stride > 0 && own > 0 && (cfg_.stat || cfg_.read || cfg_.remove))
      ctx.warn(fmt::format("-N {}: {} of {} ranks stat/read/remove items created on their own node ({} ranks on {}), "
                           "where the client cache may serve them; {}",
                           cfg_.stride, own, comm.size(), comm.size(),
                           ctx.layout.node_count == 1 ? std::string("one node")
                                                      : fmt::format("{} nodes", ctx.layout.node_count),
                           ctx.layout.node_count == 1
                               ? std::string("run on more nodes to defeat it")
                               : fmt::format("use -N {} (the ranks on the first node) to move every rank to another "
                                             "node",
                                             std::count(ctx.layout.node_of_rank.begin(),
                                                        ctx.layout.node_of_rank.end(), 0))));
  }
  if (comm.is_root() && !cfg_.data_packet_type.empty())
    ctx.warn(fmt::format("--dataPacketType={}: mdtest_like always writes its own pattern (seeded by -G, tagged per "
                         "file, incompressible); mdtest's packet types are not reproduced, the request is only "
                         "recorded",
                         cfg_.data_packet_type));
  std::unique_ptr<RankCsv> csv;
  if (!cfg_.rank_details_csv.empty()) {
    csv = std::make_unique<RankCsv>(comm.size(), cfg_.tree.dir_count());
    ctx.step([&] {
      if (comm.is_root()) write_rank_csv(cfg_.rank_details_csv, RankCsv::header());
    });
  }
  const auto store_csv = [&] {
    if (csv && comm.is_root()) write_rank_csv(cfg_.rank_details_csv, csv->text());
  };
  // Before any I/O of the run: a status file that cannot be used stops it here.
  const std::uint64_t later_items = items_for_later_phases(ctx, cfg_);
  const std::uint64_t random_seed = resolve_random_seed(comm, cfg_);
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
      its.back().items = {later_items, later_items};
      Iteration(ctx, cfg_, root_fd.get(), its.back(), random_seed, csv.get()).run();
    }
  } catch (const CollectiveError&) {
    try {
      store_csv();  // the phases that finished
    } catch (const Error&) {
    }
    // All ranks are here together. With -r, take away what this run made.
    if (cfg_.remove) {
      cleanup_after_failure(ctx, cfg_, root_fd.get(), its);
      if (comm.is_root() && root_created) ::rmdir(cfg_.dir.c_str());
    }
    throw;
  }
  ctx.step(store_csv);
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

void MdtestTool::report(const RunContext& ctx, std::ostream& out) const {
  print_report(ctx.result, out, cfg_.print_rate_and_time, cfg_.pfsbench_tables);
}

}  // namespace pfsbench::mdtest_like
