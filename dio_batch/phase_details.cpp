#include "phase_details.hpp"

#include "pfsbench/json_values.hpp"

namespace pfsbench::dio_batch {

using nlohmann::json;

namespace {

json disk_json(const DiskDelta& d) {
  return {{"requests", d.requests}, {"merges", d.merges}, {"bytes", d.bytes},
          {"avg_request_bytes", number_or_null(d.avg_request_bytes())}};
}

json device_json(const std::optional<DeviceUse>& d) {
  if (!d) return nullptr;
  return {{"name", d->name},
          {"chain", d->chain},
          {"nodes_sampled", d->nodes_sampled},
          {"nodes_sharing_a_sampled_kernel", d->nodes_on_a_sampled_machine},
          {"write", disk_json(d->write)},
          {"read", disk_json(d->read)},
          {"note", "from /sys/block/<dev>/stat before and after the phase, one reader per machine (kernel boot "
                   "id), summed; "
                   "counts every request the device saw in that time, including other processes'"}};
}

}  // namespace

json to_json(const DioPhaseDetails& d) {
  return {{"engine", d.engine},
          {"rw", d.rw},
          {"mode", d.mode},
          {"bs_bytes", d.bs_bytes},
          {"iodepth", d.iodepth},
          {"ranks", d.ranks},
          {"direct", d.direct},
          {"complete", d.complete},
          {"region_base_bytes", d.region_base_bytes},
          {"laid_out_bytes_per_rank", d.laid_out_bytes_per_rank},
          {"io_duration_s", finite_or_null(d.io_duration_s)},
          {"io_bandwidth_bytes_per_s", finite_or_null(d.io_bandwidth_bytes_per_s)},
          {"submission_latency", latency_or_null(d.submission_latency)},
          {"time_series", time_series_json(d.interval_s, "bytes_per_s", d.series_bytes_per_s)},
          {"cpu",
           {{"user_s", d.cpu.user_s},
            {"sys_s", d.cpu.sys_s},
            {"per_io_ns", number_or_null(d.cpu.per_io_ns)},
            {"usr_percent", number_or_null(d.cpu.usr_percent)},
            {"sys_percent", number_or_null(d.cpu.sys_percent)}}},
          {"device", device_json(d.device)}};
}

}  // namespace pfsbench::dio_batch
