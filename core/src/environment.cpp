#include "pfsbench/environment.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
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

std::vector<std::pair<int, int>> rank_node_runs(const std::vector<int>& node_of_rank) {
  std::vector<std::pair<int, int>> runs;
  for (int node : node_of_rank) {
    if (!runs.empty() && runs.back().first == node)
      ++runs.back().second;
    else
      runs.emplace_back(node, 1);
  }
  return runs;
}

std::vector<int> ranks_on_nodes(const std::vector<int>& node_of_rank, int node_count) {
  std::vector<int> count(static_cast<std::size_t>(std::max(node_count, 0)), 0);
  for (int node : node_of_rank)
    if (node >= 0 && node < node_count) ++count[static_cast<std::size_t>(node)];
  return count;
}

std::vector<std::string> node_rank_ranges(const std::vector<int>& node_of_rank, std::size_t node_count) {
  std::vector<std::string> ranges(node_count);
  std::vector<int> last(node_count, -2), first(node_count, -2);
  auto close = [&](std::size_t n) {
    if (first[n] < 0) return;
    if (!ranges[n].empty()) ranges[n] += ',';
    ranges[n] += first[n] == last[n] ? fmt::format("{}", first[n]) : fmt::format("{}-{}", first[n], last[n]);
  };
  for (std::size_t r = 0; r < node_of_rank.size(); ++r) {
    const auto n = static_cast<std::size_t>(node_of_rank[r]);
    if (n >= node_count) continue;
    if (last[n] == static_cast<int>(r) - 1 && first[n] >= 0) {
      last[n] = static_cast<int>(r);
      continue;
    }
    close(n);
    first[n] = last[n] = static_cast<int>(r);
  }
  for (std::size_t n = 0; n < node_count; ++n) close(n);
  return ranges;
}

std::string placement_text(const std::vector<int>& node_of_rank, const std::vector<std::string>& hosts,
                           std::size_t max_nodes) {
  const int nodes = static_cast<int>(hosts.size());
  const auto count = ranks_on_nodes(node_of_rank, nodes);
  const bool uniform = std::all_of(count.begin(), count.end(), [&](int c) { return c == count.front(); });
  std::string text = fmt::format("{} rank{} on {} node{}", node_of_rank.size(), node_of_rank.size() == 1 ? "" : "s",
                                 nodes, nodes == 1 ? "" : "s");
  if (nodes > 1) text += uniform ? fmt::format(", {} per node", count.front()) : ", not the same number per node";
  const auto ranges = node_rank_ranges(node_of_rank, hosts.size());
  text += ':';
  for (std::size_t n = 0; n < hosts.size() && n < max_nodes; ++n)
    text += fmt::format("{} {} {}", n == 0 ? "" : ",", hosts[n], ranges[n]);
  if (hosts.size() > max_nodes) text += fmt::format(", and {} more nodes", hosts.size() - max_nodes);
  return text;
}

std::string kernel_boot_id() {
  auto text = read_small_file("/proc/sys/kernel/random/boot_id");
  if (!text) return {};
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return *text;
}

KernelLeaders kernel_leaders(const Comm& comm, const NodeLayout& layout) {
  const bool leader = layout.local_rank == 0;
  std::string mine;
  if (leader) {
    mine = kernel_boot_id();
    mine.insert(mine.begin(), 'L');
  }
  const std::vector<std::string> ids = comm.gather(mine);
  // Rank 0 marks the chosen ranks ('1') in a string of one char per rank.
  std::string chosen;
  int kernels = 0;
  if (comm.is_root()) {
    chosen.assign(ids.size(), '0');
    std::vector<std::string> seen;
    for (std::size_t r = 0; r < ids.size(); ++r) {
      if (ids[r].empty()) continue;  // not a node leader
      const std::string id = ids[r].substr(1);
      if (!id.empty() && std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
      if (!id.empty()) seen.push_back(id);
      chosen[r] = '1';
      ++kernels;
    }
    chosen += fmt::format(" {}", kernels);
  }
  comm.bcast(chosen);
  KernelLeaders out;
  out.mine = chosen[static_cast<std::size_t>(comm.rank())] == '1';
  out.nodes = layout.node_count;
  out.kernels = std::stoi(chosen.substr(static_cast<std::size_t>(comm.size()) + 1));
  return out;
}

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
      {"ranks_on_node", ranks_on_nodes(layout.node_of_rank, layout.node_count)},
      {"rank_node_runs", rank_node_runs(layout.node_of_rank)},
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
