#include "pfsbench/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "pfsbench/version.hpp"

namespace pfsbench {
namespace {

using nlohmann::json;

json env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v ? json(v) : json(nullptr);
}

std::string cpu_model() {
  auto text = read_small_file("/proc/cpuinfo");
  if (!text) return "unknown";
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown";
}

json mem_total_bytes() {
  auto text = read_small_file("/proc/meminfo");
  if (!text) return nullptr;
  std::istringstream in(*text);
  std::string key;
  std::uint64_t kib = 0;
  if (in >> key >> kib && key == "MemTotal:") return kib * 1024;
  return nullptr;
}

}  // namespace

json detect_launcher() {
  // The node list of the step the ranks run in (srun -N 2 inside a 4-node
  // job), else of the job (mpirun started in an allocation without a step).
  const char* nodelist = std::getenv("SLURM_STEP_NODELIST");
  json j = {{"kind", "singleton"}, {"slurm_job_id", env_or_null("SLURM_JOB_ID")},
            {"slurm_step_id", env_or_null("SLURM_STEP_ID")},
            {"slurm_nodelist", nodelist ? json(nodelist) : env_or_null("SLURM_JOB_NODELIST")}};
  const char* ess = std::getenv("OMPI_MCA_ess");  // Open MPI sets it (and PMIX_RANK) in a singleton's MPI_Init
  // mpirun's daemons (Open MPI orted, MPICH hydra proxies) set these in the
  // ranks' environment; srun never does. Inside a Slurm job mpirun starts its
  // daemons with srun, so the ranks inherit SLURM_STEP_ID and SLURM_PROCID
  // of that step too: look for mpirun first.
  const bool by_mpirun = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("MPI_LOCALNRANKS");
  if (by_mpirun)
    j["kind"] = "mpirun";
  else if (std::getenv("SLURM_STEP_ID") && (std::getenv("SLURM_PROCID") || std::getenv("PMIX_RANK")))
    j["kind"] = "srun";
  else if (ess && std::string_view(ess) == "singleton")
    j["kind"] = "singleton";
  else if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK"))
    j["kind"] = "mpirun";
  return j;
}

json to_json(const FsInfo& fs) {
  auto opt = [](const std::optional<std::uint32_t>& v) { return v ? json(*v) : json(nullptr); };
  json mount = nullptr;
  if (fs.mount)
    mount = {{"mount_point", fs.mount->mount_point}, {"fstype", fs.mount->fstype},
             {"source", fs.mount->source}, {"options", fs.mount->options},
             {"device", fs.mount->major_minor}};
  return {{"probed_path", fs.probed_path},
          {"fs_type", fs.fs_type},
          {"fs_magic", fmt::format("0x{:x}", fs.fs_magic)},
          {"mount", mount},
          {"block_size_bytes", fs.block_size_bytes},
          {"total_bytes", fs.total_bytes},
          {"free_bytes", fs.free_bytes},
          {"free_inodes", fs.free_inodes},
          {"dio_mem_align_bytes", opt(fs.dio_mem_align_bytes)},
          {"dio_offset_align_bytes", opt(fs.dio_offset_align_bytes)}};
}

json capture_environment(const Comm& comm, const NodeLayout& layout, const ClockSync& clock,
                         const std::string& target_path) {
  if (!comm.is_root()) return nullptr;
  utsname uts{};
  uname(&uts);
  json ranks_per_node = layout.uniform ? json(comm.size() / layout.node_count) : json(nullptr);
  return {
      {"launcher", detect_launcher()},
      {"ranks", comm.size()},
      {"nodes", layout.node_count},
      {"ranks_per_node", ranks_per_node},
      {"hosts", layout.hosts},
      {"clock",
       {{"source", "CLOCK_MONOTONIC, offsets to rank 0 measured by ping-pong"},
        {"max_abs_offset_s", clock.max_abs_offset_s},
        {"max_uncertainty_s", clock.max_uncertainty_s}}},
      {"target", to_json(probe_filesystem(target_path))},
      {"system",
       {{"kernel", fmt::format("{} {}", uts.sysname, uts.release)},
        {"machine", uts.machine},
        {"cpu_model", cpu_model()},
        {"cpus_online", sysconf(_SC_NPROCESSORS_ONLN)},
        {"memory_bytes", mem_total_bytes()}}},
      {"software",
       {{"mpi_library", mpi_library_version()},
        {"compiler", kCompiler},
        {"build_type", kBuildType},
        {"git_revision", kGitRevision},
        {"pfsbench_version", kVersion}}},
  };
}

}  // namespace pfsbench
