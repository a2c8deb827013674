#pragma once
// What makes documents comparable across machines: the launcher, the
// ranks and nodes, the target filesystem, the system and the software.

#include <string>

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

/// The JSON block of a filesystem probe.
nlohmann::json to_json(const FsInfo& fs);

/// COLLECTIVE (only through `layout` and `clock`, which the caller
/// computed). Returns the environment block on rank 0, null elsewhere.
/// Probes `target_path` (or its nearest existing parent) on rank 0.
nlohmann::json capture_environment(const Comm& comm, const NodeLayout& layout,
                                   const ClockSync& clock, const std::string& target_path);

}  // namespace pfsbench
