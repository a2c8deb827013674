// Launcher detection (environment.hpp) from the process environment, and
// the JSON block of a filesystem probe.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pfsbench/environment.hpp"
#include "pfsbench/fs.hpp"

namespace pfsbench {
namespace {

const std::vector<std::string> kVars = {"SLURM_STEP_ID", "SLURM_PROCID", "SLURM_JOB_ID", "SLURM_JOB_NODELIST",
                                        "SLURM_STEP_NODELIST", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK",
                                        "MPI_LOCALNRANKS", "OMPI_MCA_ess"};

// Sets exactly `vars` among kVars for the scope, restoring the rest after.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::string>& vars) {
    for (const auto& k : kVars) {
      if (const char* v = std::getenv(k.c_str())) saved_[k] = v;
      unsetenv(k.c_str());
    }
    for (const auto& [k, v] : vars) setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& k : kVars) unsetenv(k.c_str());
    for (const auto& [k, v] : saved_) setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::map<std::string, std::string> saved_;
};

TEST(DetectLauncher, FromTheEnvironment) {
  struct Case {
    const char* name;
    std::map<std::string, std::string> vars;
    const char* kind;
  };
  const std::vector<Case> cases = {
      {"nothing", {}, "singleton"},
      {"Open MPI mpirun", {{"OMPI_COMM_WORLD_SIZE", "2"}, {"PMIX_RANK", "0"}}, "mpirun"},
      // What Open MPI puts into a singleton's environment during MPI_Init.
      {"Open MPI singleton", {{"PMIX_RANK", "0"}, {"OMPI_MCA_ess", "singleton"}}, "singleton"},
      {"MPICH hydra", {{"PMI_RANK", "1"}, {"MPI_LOCALNRANKS", "2"}}, "mpirun"},
      {"srun", {{"SLURM_STEP_ID", "3"}, {"SLURM_PROCID", "0"}, {"SLURM_JOB_ID", "77"}, {"SLURM_JOB_NODELIST", "n[1-2]"}},
       "srun"},
      // srun --mpi=pmix -N 2 inside a 4-node job (what Open MPI 4.1 sees).
      {"srun pmix, step on part of the job",
       {{"SLURM_STEP_ID", "0"}, {"SLURM_PROCID", "1"}, {"PMIX_RANK", "1"}, {"OMPI_MCA_ess", "pmi"},
        {"SLURM_JOB_ID", "78"}, {"SLURM_JOB_NODELIST", "n[1-4]"}, {"SLURM_STEP_NODELIST", "n[1-2]"}},
       "srun"},
      // mpirun inside salloc/sbatch starts its orted daemons with srun: the
      // ranks inherit the daemons' step variables, but were placed by mpirun.
      {"Open MPI mpirun inside a Slurm job",
       {{"OMPI_COMM_WORLD_SIZE", "2"}, {"PMIX_RANK", "0"}, {"OMPI_MCA_ess", "pmi"}, {"SLURM_STEP_ID", "0"},
        {"SLURM_PROCID", "0"}, {"SLURM_JOB_ID", "79"}, {"SLURM_JOB_NODELIST", "n[1-2]"},
        {"SLURM_STEP_NODELIST", "n[1-2]"}},
       "mpirun"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const ScopedEnv env(c.vars);
    const auto j = detect_launcher();
    EXPECT_EQ(j.at("kind"), std::string(c.kind));
    for (const auto& [field, var] : std::vector<std::pair<const char*, const char*>>{
             {"slurm_job_id", "SLURM_JOB_ID"}, {"slurm_step_id", "SLURM_STEP_ID"}, {"slurm_nodelist", "SLURM_JOB_NODELIST"}}) {
      auto it = c.vars.find(var);
      if (std::string(field) == "slurm_nodelist" && c.vars.count("SLURM_STEP_NODELIST"))
        it = c.vars.find("SLURM_STEP_NODELIST");  // the step's nodes, where the ranks ran
      if (it == c.vars.end()) {
        EXPECT_TRUE(j.at(field).is_null()) << field;
      } else {
        EXPECT_EQ(j.at(field), it->second) << field;
      }
    }
  }
}

TEST(FsInfoJson, Fields) {
  FsInfo fs;
  fs.probed_path = "/gpfs/fs1";
  fs.fs_type = "gpfs";
  fs.fs_magic = 0x47504653;
  fs.mount = MountEntry{"/gpfs/fs1", "gpfs", "fs1", "rw,relatime", "0:45"};
  fs.block_size_bytes = 16u << 20;
  fs.dio_offset_align_bytes = 512;
  fs.dio_mem_align_bytes = 4;
  const auto j = to_json(fs);
  EXPECT_EQ(j.at("fs_magic"), "0x47504653");
  EXPECT_EQ(j.at("mount").at("device"), "0:45");
  EXPECT_EQ(j.at("mount").at("mount_point"), "/gpfs/fs1");
  EXPECT_EQ(j.at("block_size_bytes"), 16u << 20);
  EXPECT_EQ(j.at("dio_offset_align_bytes"), 512);
  EXPECT_EQ(j.at("dio_mem_align_bytes"), 4);
  FsInfo bare;
  const auto b = to_json(bare);
  EXPECT_TRUE(b.at("mount").is_null());
  EXPECT_TRUE(b.at("dio_offset_align_bytes").is_null());
  EXPECT_EQ(b.at("fs_magic"), "0x0");
}

// The rank-to-node map of the document, run-length coded, and the console's
// placement line (issue 18): blocked, round-robin and uneven placements.
TEST(RankNodeRuns, BlockedIsOneRunPerNodeRoundRobinOnePerRank) {
  using Runs = std::vector<std::pair<int, int>>;
  EXPECT_EQ(rank_node_runs({0, 0, 1, 1}), (Runs{{0, 2}, {1, 2}}));
  EXPECT_EQ(rank_node_runs({0, 1, 0, 1}), (Runs{{0, 1}, {1, 1}, {0, 1}, {1, 1}}));
  EXPECT_EQ(rank_node_runs({0, 0, 0, 1}), (Runs{{0, 3}, {1, 1}}));
  EXPECT_EQ(rank_node_runs({0}), (Runs{{0, 1}}));
  EXPECT_EQ(rank_node_runs({}), Runs{});
}

TEST(RanksOnNodes, CountsPerNodeInNodeOrder) {
  EXPECT_EQ(ranks_on_nodes({0, 1, 0, 1}, 2), (std::vector<int>{2, 2}));
  EXPECT_EQ(ranks_on_nodes({0, 0, 0, 1}, 2), (std::vector<int>{3, 1}));
  EXPECT_EQ(ranks_on_nodes({0, 0}, 1), (std::vector<int>{2}));
}

TEST(PlacementText, EachNodeWithItsRankRanges) {
  EXPECT_EQ(placement_text({0, 0, 1, 1}, {"a", "b"}), "4 ranks on 2 nodes, 2 per node: a 0-1, b 2-3");
  EXPECT_EQ(placement_text({0, 1, 0, 1}, {"a", "b"}), "4 ranks on 2 nodes, 2 per node: a 0,2, b 1,3");
  EXPECT_EQ(placement_text({0, 0, 0, 1}, {"a", "b"}), "4 ranks on 2 nodes, not the same number per node: a 0-2, b 3");
  EXPECT_EQ(placement_text({0}, {"vm"}), "1 rank on 1 node: vm 0");
  EXPECT_EQ(placement_text({0, 1, 2}, {"a", "b", "c"}, 2), "3 ranks on 3 nodes, 1 per node: a 0, b 1, and 1 more nodes");
}

}  // namespace
}  // namespace pfsbench
