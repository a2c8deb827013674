// The node layout on any number of nodes (issue 18): run by ctest on one
// node at 1, 2 and 4 ranks, and on 2 and 4 fake nodes (fakenodes.py). The
// truth is what each rank's own system says: gethostname and the kernel's
// boot id, gathered here independently of node_layout().
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "pfsbench/environment.hpp"
#include "pfsbench/mpi.hpp"

namespace pfsbench {
namespace {

std::string my_hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

TEST(MultiNode, LayoutMatchesEachRanksHostname) {
  const Comm comm;
  const NodeLayout l = comm.node_layout();
  const std::vector<std::string> names = comm.gather(my_hostname());
  if (comm.is_root()) {
    const std::set<std::string> distinct(names.begin(), names.end());
    EXPECT_EQ(l.node_count, static_cast<int>(distinct.size()));
    ASSERT_EQ(l.node_of_rank.size(), names.size());
    for (std::size_t r = 0; r < names.size(); ++r)
      EXPECT_EQ(l.hosts[static_cast<std::size_t>(l.node_of_rank[r])], names[r]) << "rank " << r;
    // Nodes are numbered in the order of their lowest rank.
    EXPECT_EQ(l.node_of_rank.front(), 0);
    int highest = 0;
    for (int n : l.node_of_rank) {
      EXPECT_LE(n, highest + 1);
      highest = std::max(highest, n);
    }
    // The run-length map expands back to node_of_rank.
    std::vector<int> expanded;
    for (const auto& [node, count] : rank_node_runs(l.node_of_rank)) expanded.insert(expanded.end(), count, node);
    EXPECT_EQ(expanded, l.node_of_rank);
    const auto counts = ranks_on_nodes(l.node_of_rank, l.node_count);
    EXPECT_EQ(l.ranks_on_my_node, counts[static_cast<std::size_t>(l.node_index)]);
  }
  EXPECT_EQ(l.hosts[static_cast<std::size_t>(l.node_index)], my_hostname());
}

TEST(MultiNode, OneDeviceReaderPerKernel) {
  const Comm comm;
  const NodeLayout l = comm.node_layout();
  const KernelLeaders k = kernel_leaders(comm, l);
  EXPECT_EQ(k.nodes, l.node_count);
  // Only node leaders are chosen; one per distinct boot id.
  if (k.mine) {
    EXPECT_EQ(l.local_rank, 0);
  }
  std::string mine = kernel_boot_id();
  mine.insert(mine.begin(), k.mine ? '1' : '0');
  const std::vector<std::string> ids = comm.gather(mine);
  if (comm.is_root()) {
    std::set<std::string> kernels, chosen_kernels;
    int chosen = 0;
    for (const auto& id : ids) {
      kernels.insert(id.substr(1));
      if (id[0] == '1') {
        ++chosen;
        chosen_kernels.insert(id.substr(1));
      }
    }
    EXPECT_EQ(chosen, static_cast<int>(kernels.size())) << "one reader per kernel, never two on one machine";
    EXPECT_EQ(chosen_kernels, kernels);
    EXPECT_EQ(k.kernels, chosen);
  }
}

}  // namespace
}  // namespace pfsbench
