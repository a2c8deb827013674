#pragma once
// What makes documents comparable across machines: the launcher, the
// ranks and nodes, the target filesystem, the system and the software.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pfsbench/fs.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/rank_stats.hpp"

namespace pfsbench {

/// The launcher as seen from the environment of this process:
/// "mpirun" (variables of mpirun's daemons, also when mpirun runs inside a
/// Slurm job), "srun" (SLURM_STEP_ID set), "mpirun" (PMIX_/PMI_ variables),
/// or "singleton". slurm_nodelist is the step's node list, else the job's.
nlohmann::json detect_launcher();

/// The rank-to-node map, run-length coded: one (node index, count) pair per
/// run of consecutive ranks on the same node, in rank order. Blocked
/// placement (ranks 0-1 on node 0, 2-3 on node 1) is one run per node;
/// round-robin is one run per rank. Pure.
std::vector<std::pair<int, int>> rank_node_runs(const std::vector<int>& node_of_rank);

/// How many ranks each node holds, in node order. Pure.
std::vector<int> ranks_on_nodes(const std::vector<int>& node_of_rank, int node_count);

/// Each node's ranks as ranges of consecutive ranks ("0-1,4"). Pure.
std::vector<std::string> node_rank_ranges(const std::vector<int>& node_of_rank, std::size_t node_count);

/// The console's placement line: "4 ranks on 2 nodes, 2 per node: fnode1
/// 0-1, fnode2 2-3" (each node with its ranks as ranges; nodes past
/// `max_nodes` are counted, not listed). Pure.
std::string placement_text(const std::vector<int>& node_of_rank, const std::vector<std::string>& hosts,
                           std::size_t max_nodes = 8);

/// This machine's kernel instance: /proc/sys/kernel/random/boot_id ("" when
/// unreadable). Two "nodes" with one boot id are one machine (fake nodes, or
/// containers): they share its block devices and page cache.
std::string kernel_boot_id();

/// Which rank reads something per machine (a device's counters): one node
/// leader per distinct kernel boot id.
struct KernelLeaders {
  bool mine = false;  ///< this rank is the one for its kernel
  int nodes = 0;      ///< nodes (MPI shared-memory domains)
  int kernels = 0;    ///< distinct kernels among them (= nodes on a real cluster)
};

/// COLLECTIVE. Among the node leaders (layout.local_rank == 0), the lowest
/// rank of each distinct kernel boot id is chosen; a leader whose boot id
/// is unreadable counts as a kernel of its own.
KernelLeaders kernel_leaders(const Comm& comm, const NodeLayout& layout);

/// The JSON block of a filesystem probe.
nlohmann::json to_json(const FsInfo& fs);

/// COLLECTIVE (only through `layout` and `clock`, which the caller
/// computed). Returns the environment block on rank 0, null elsewhere.
/// Probes `target_path` (or its nearest existing parent) on rank 0.
nlohmann::json capture_environment(const Comm& comm, const NodeLayout& layout,
                                   const ClockSync& clock, const std::string& target_path);

}  // namespace pfsbench
