#pragma once
// The typed `details` of a dio_batch phase: filled by the tool on rank 0,
// serialised to the document in one place (to_json, shaped as the schema's
// dio_batch_details), read by the console summary as a struct.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "block_device.hpp"
#include "pfsbench/histogram.hpp"

namespace pfsbench::dio_batch {

/// getrusage user+sys over each rank's span, summed over ranks.
struct CpuUse {
  double user_s = 0, sys_s = 0;
  std::optional<double> per_io_ns;    ///< (user + sys) / ops; absent without ops
  std::optional<double> usr_percent;  ///< of ranks x duration_s (fio's usr_cpu)
  std::optional<double> sys_percent;
};

/// What the block devices under the target saw, summed over nodes.
struct DeviceUse {
  std::string name;
  std::vector<std::string> chain;
  std::uint64_t nodes_sampled = 0;
  std::uint64_t nodes_on_a_sampled_machine = 0;  ///< nodes not read: another node of their kernel was
  DiskDelta write, read;
};

struct DioPhaseDetails {
  std::string engine;
  std::string rw;
  std::string mode;  ///< create/overwrite/append, "existing" for reads
  std::uint64_t bs_bytes = 0;
  unsigned iodepth = 0;
  std::uint64_t ranks = 0;
  bool direct = true;
  bool complete = true;  ///< false: interrupted, the phase holds what finished
  std::uint64_t region_base_bytes = 0;
  std::uint64_t laid_out_bytes_per_rank = 0;
  double io_duration_s = 0;             ///< earliest first submission .. latest last completion
  double io_bandwidth_bytes_per_s = 0;  ///< bytes / io_duration_s (0 when the span is empty)
  std::optional<LatencySummary> submission_latency;  ///< absent for psync
  double interval_s = 0.1;
  std::vector<double> series_bytes_per_s;  ///< one value per interval from the earliest open
  CpuUse cpu;
  std::optional<DeviceUse> device;
};

/// The document's shape (results/schema: dio_batch_details).
nlohmann::json to_json(const DioPhaseDetails& d);

}  // namespace pfsbench::dio_batch
