// The dio_batch details are serialised in one place: exact keys and values,
// null where a figure is absent (psync has no submission latency, a tmpfs
// target no device, a phase without ops no CPU per I/O).
#include "phase_details.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace pfsbench::dio_batch {
namespace {

using nlohmann::json;

TEST(DioPhaseDetails, AbsentFiguresAreNull) {
  DioPhaseDetails d;
  d.engine = "psync";
  d.rw = "write";
  d.mode = "create";
  d.bs_bytes = 4096;
  d.iodepth = 1;
  d.ranks = 2;
  d.interval_s = 0.5;
  d.series_bytes_per_s = {8192.0, 0.0};
  d.io_duration_s = std::numeric_limits<double>::quiet_NaN();
  const json j = to_json(d);
  EXPECT_EQ(j, json::parse(R"({
    "engine": "psync", "rw": "write", "mode": "create", "bs_bytes": 4096, "iodepth": 1, "ranks": 2,
    "direct": true, "complete": true, "region_base_bytes": 0, "laid_out_bytes_per_rank": 0,
    "io_duration_s": null, "io_bandwidth_bytes_per_s": 0.0, "submission_latency": null,
    "time_series": {"interval_s": 0.5, "unit": "bytes_per_s", "values": [8192.0, 0.0]},
    "cpu": {"user_s": 0.0, "sys_s": 0.0, "per_io_ns": null, "usr_percent": null, "sys_percent": null},
    "device": null})"));
}

TEST(DioPhaseDetails, DeviceAndCpu) {
  DioPhaseDetails d;
  d.cpu = {1.5, 0.5, 2000.0, 10.0, 5.0};
  d.device = DeviceUse{"vda", {"loop0", "vda"}, 1, 0, {10, 2, 40960}, {0, 0, 0}};
  const json j = to_json(d);
  EXPECT_EQ(j["cpu"], json::parse(R"({"user_s": 1.5, "sys_s": 0.5, "per_io_ns": 2000.0, "usr_percent": 10.0,
                                       "sys_percent": 5.0})"));
  EXPECT_EQ(j["device"]["chain"], json::parse(R"(["loop0", "vda"])"));
  EXPECT_EQ(j["device"]["write"], json::parse(R"({"requests": 10, "merges": 2, "bytes": 40960,
                                                   "avg_request_bytes": 4096.0})"));
  EXPECT_EQ(j["device"]["read"]["avg_request_bytes"], json(nullptr));
  EXPECT_EQ(j["device"]["nodes_sampled"], 1);
}

}  // namespace
}  // namespace pfsbench::dio_batch
