#include "ior_output.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {

namespace {

constexpr double kMB = 1e6;

// IOR's cell for a figure of the per-iteration table: left-justified in 10
// characters, 6 decimals below 1, 2 below an hour, none above; then `gap`.
// An absent figure is a dash in the same width (IOR's "-" for negatives).
std::string cell(std::optional<double> v, const char* gap = " ") {
  if (!v || *v < 0) return fmt::format("{:<10}{}", "   -", gap);
  const int digits = *v < 1 ? 6 : *v < 3600 ? 2 : 0;
  return fmt::format("{:<10.{}f}{}", *v, digits, gap);
}

std::optional<double> number_at(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

std::optional<double> latency_s(const Phase& p) {
  if (!p.latency || p.latency->count == 0) return std::nullopt;
  return p.latency->mean_ns / 1e9;
}

std::optional<double> bw_mib(const Phase& p) {
  if (!p.bandwidth_bytes_per_s) return std::nullopt;
  return *p.bandwidth_bytes_per_s / kMiB;
}

bool is_io_phase(const Phase& p) { return p.name == "write" || p.name == "read"; }

// The run's shape as IOR's summary and JSON name it.
struct Shape {
  std::string api;        // IOR's spelling
  int tasks = 0;          // ranks that did I/O (-N)
  int tasks_per_node = 0; // IOR's numTasksOnNode0
  int nodes = 1;
};

Shape shape_of(const RunResult& r, const Config& cfg) {
  Shape s;
  s.api = find_backend(cfg.api).ior_name;
  const nlohmann::json& env = r.environment;
  s.tasks = env.is_object() && env.contains("ranks") ? env["ranks"].get<int>() : 1;
  for (const Phase& p : r.phases)
    if (p.details.contains("ranks")) {
      s.tasks = p.details["ranks"].get<int>();
      break;
    }
  if (env.is_object() && env.contains("nodes") && env["nodes"].is_number()) s.nodes = env["nodes"].get<int>();
  if (env.is_object() && env.contains("ranks_per_node") && env["ranks_per_node"].is_number())
    s.tasks_per_node = std::min(env["ranks_per_node"].get<int>(), s.tasks);
  else
    s.tasks_per_node = (s.tasks + s.nodes - 1) / std::max(1, s.nodes);
  return s;
}

// Statistics of one operation over its iterations, as IOR's summary has them.
struct OpSummary {
  std::string op;
  std::vector<double> bw, ops, time;
  double agg_bytes = 0;  // the first iteration's bytes (IOR's aggs column)
  bool stonewall = false;
  double stonewall_time_sum = 0, stonewall_per_rank_bytes_sum = 0;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}
double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }
double min_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }

std::vector<OpSummary> op_summaries(const RunResult& r, const Config& cfg, int tasks) {
  std::vector<OpSummary> out;
  for (const char* op : {"write", "read"}) {
    OpSummary s;
    s.op = op;
    bool first = true;
    for (const Phase& p : r.phases) {
      if (p.name != op) continue;
      if (first) s.agg_bytes = static_cast<double>(p.bytes);
      first = false;
      if (p.bandwidth_bytes_per_s) s.bw.push_back(*p.bandwidth_bytes_per_s);
      if (p.ops_per_s) s.ops.push_back(*p.ops_per_s);
      s.time.push_back(p.duration_s);
      // IOR fills its two stonewall columns only with wear-out: the mean
      // stonewall time, and the per-process bytes at the stonewall over it.
      const nlohmann::json& sw = p.details.value("stonewall", nlohmann::json());
      if (cfg.wear_out && sw.is_object()) {
        s.stonewall = true;
        s.stonewall_time_sum += sw["stonewall_duration_s"].get<double>();
        s.stonewall_per_rank_bytes_sum += sw["bytes_at_stonewall"].get<double>() / std::max(1, tasks);
      }
    }
    if (!first) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

double population_stddev(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  const double m = mean(values);
  double sq = 0;
  for (double x : values) sq += (x - m) * (x - m);
  return std::sqrt(sq / static_cast<double>(values.size()));
}

std::string ior_table_header() {
  return fmt::format("\n{:<10}{:<11}{:<11}{:<12}{:<11}{:<11}{:<11}{:<11}{:<11}{:<11}{}\n", "access", "bw(MiB/s)",
                     "IOPS", "Latency(s)", "block(KiB)", "xfer(KiB)", "open(s)", "wr/rd(s)", "close(s)", "total(s)",
                     "iter") +
         fmt::format("{:<10}{:<11}{:<11}{:<12}{:<11}{:<11}{:<11}{:<11}{:<11}{:<11}{}\n", "------", "---------", "----",
                     "----------", "----------", "---------", "--------", "--------", "--------", "--------", "----");
}

std::string ior_table_row(const Phase& p, const Config& cfg) {
  const nlohmann::json& d = p.details;
  return fmt::format("{:<10}", p.name) + cell(bw_mib(p)) + cell(number_at(d, "io_ops_per_s")) +
         cell(latency_s(p), "  ") + cell(static_cast<double>(cfg.block_bytes) / 1024.0) +
         cell(static_cast<double>(cfg.transfer_bytes) / 1024.0) + cell(number_at(d, "open_duration_s")) +
         cell(number_at(d, "io_duration_s")) + cell(number_at(d, "close_duration_s")) + cell(p.duration_s) +
         fmt::format("{:<4}\n", p.iteration);
}

std::string ior_max_lines(const RunResult& r) {
  std::string out;
  for (const auto& [op, label] : {std::pair{"write", "Max Write: "}, std::pair{"read", "Max Read:  "}}) {
    std::optional<double> best;
    for (const Phase& p : r.phases)
      if (p.name == op && p.bandwidth_bytes_per_s) best = std::max(best.value_or(0.0), *p.bandwidth_bytes_per_s);
    if (best) out += fmt::format("{}{:.2f} MiB/sec ({:.2f} MB/sec)\n", label, *best / kMiB, *best / kMB);
  }
  return out;
}

std::string ior_summary_block(const RunResult& r, const Config& cfg) {
  const Shape s = shape_of(r, cfg);
  const auto ops = op_summaries(r, cfg, s.tasks);
  if (ops.empty()) return "";
  std::string out = "\nSummary of all tests:\n";
  out += fmt::format("{:<9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>13}", "Operation",
                     "Max(MiB)", "Min(MiB)", "Mean(MiB)", "StdDev", "Max(OPs)", "Min(OPs)", "Mean(OPs)", "StdDev",
                     "Mean(s)", "Stonewall(s)", "Stonewall(MiB)");
  out += " Test# #Tasks tPN reps fPP reord reordoff reordrand seed segcnt ";
  out += fmt::format("{:>8} {:>8} {:>9} {:>5} RefNum\n", " blksiz", "xsize", "aggs(MiB)", "API");
  for (const OpSummary& o : ops) {
    out += fmt::format("{:<9} ", o.op);
    for (double v : {max_of(o.bw) / kMiB, min_of(o.bw) / kMiB, mean(o.bw) / kMiB, population_stddev(o.bw) / kMiB,
                     max_of(o.ops), min_of(o.ops), mean(o.ops), population_stddev(o.ops)})
      out += fmt::format("{:>10.2f} ", v);
    out += fmt::format("{:>10.5f} ", mean(o.time));
    if (o.stonewall && o.stonewall_time_sum > 0)
      out += fmt::format("{:>10.2f} {:>13.2f} ", o.stonewall_time_sum / static_cast<double>(o.time.size()),
                         o.stonewall_per_rank_bytes_sum / o.stonewall_time_sum / kMiB);
    else
      out += fmt::format("{:>10} {:>13} ", "NA", "NA");
    out += fmt::format("{:>5} {:>6} {:>3} {:>4} {:>3} {:>5} {:>8} {:>9} {:>4} {:>6} {:>8} {:>8} {:>9.1f} {:>3} {:>6}\n",
                       0, s.tasks, s.tasks_per_node, cfg.iterations, cfg.file_per_process ? 1 : 0,
                       cfg.reorder ? 1 : 0, cfg.task_per_node_offset, cfg.reorder_random ? 1 : 0, cfg.seed,
                       cfg.segments, cfg.block_bytes, cfg.transfer_bytes, o.agg_bytes / kMiB, s.api, 0);
  }
  return out;
}

namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string binary_size(std::uint64_t bytes) {
  // IOR's HumanReadable(BASE_TWO): whole units when exact, else bytes.
  static constexpr const char* kUnits[] = {"GiB", "MiB", "KiB"};
  static constexpr std::uint64_t kScale[] = {1ull << 30, 1ull << 20, 1ull << 10};
  for (int i = 0; i < 3; ++i)
    if (bytes >= kScale[i] && bytes % kScale[i] == 0) return fmt::format("{} {}", bytes / kScale[i], kUnits[i]);
  return fmt::format("{} bytes", bytes);
}

nlohmann::ordered_json json_or_null(std::optional<double> v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

nlohmann::ordered_json ior_json(const RunResult& r, const Config& cfg) {
  using json = nlohmann::ordered_json;
  const Shape s = shape_of(r, cfg);
  const nlohmann::json& env = r.environment;
  std::string host = "unknown";
  if (env.is_object() && env.contains("hosts") && !env["hosts"].empty()) host = env["hosts"][0].get<std::string>();

  json params = {
      {"testID", 0},
      {"refnum", 0},
      {"api", s.api},
      {"platform", fmt::format("{}(Linux)", host)},
      {"testFileName", cfg.path},
      {"deadlineForStonewall", cfg.deadline_s},
      {"stoneWallingWearOut", cfg.wear_out ? 1 : 0},
      {"maxTimeDuration", cfg.max_time_min},
      {"outlierThreshold", 0},
      {"options", nullptr},
      {"dryRun", 0},
      {"nodes", s.nodes},
      {"memoryPerTask", 0},
      {"memoryPerNode", 0},
      {"tasksPerNode", s.tasks_per_node},
      {"repetitions", cfg.iterations},
      {"multiFile", 0},
      {"interTestDelay", cfg.delay_s},
      {"fsync", cfg.fsync ? 1 : 0},
      {"fsyncperwrite", cfg.fsync_per_write ? 1 : 0},
      {"useExistingTestFile", cfg.use_existing ? 1 : 0},
      {"uniqueDir", 0},
      {"singleXferAttempt", 0},
      {"readFile", cfg.do_read() ? 1 : 0},
      {"writeFile", cfg.do_write() ? 1 : 0},
      {"filePerProc", cfg.file_per_process ? 1 : 0},
      {"reorderTasks", cfg.reorder ? 1 : 0},
      {"reorderTasksRandom", cfg.reorder_random ? 1 : 0},
      {"reorderTasksRandomSeed", cfg.seed},
      {"randomOffset", cfg.random_offsets ? 1 : 0},
      {"checkWrite", cfg.check_write ? 1 : 0},
      {"checkRead", cfg.check_read ? 1 : 0},
      {"keepFile", cfg.keep ? 1 : 0},
      {"verbose", cfg.verbosity},
      {"collective", cfg.collective ? 1 : 0},
      {"segmentCount", cfg.segments},
      {"transferSize", cfg.transfer_bytes},
      {"blockSize", cfg.block_bytes},
  };
  json options = {
      {"api", s.api},
      {"apiVersion", ""},
      {"test filename", cfg.path},
      {"access", cfg.file_per_process ? "file-per-process" : "single-shared-file"},
      {"type", cfg.collective ? "collective" : "independent"},
      {"segments", cfg.segments},
      {"ordering in a file", cfg.random_offsets ? "random" : "sequential"},
      {"ordering inter file", cfg.reorder           ? "constant task offset"
                              : cfg.reorder_random ? "random task offset"
                                                   : "no tasks offsets"},
      {"nodes", s.nodes},
      {"tasks", s.tasks},
      {"clients per node", s.tasks_per_node},
      {"repetitions", cfg.iterations},
      {"xfersize", binary_size(cfg.transfer_bytes)},
      {"blocksize", binary_size(cfg.block_bytes)},
      {"aggregate filesize", binary_size(cfg.block_bytes * cfg.segments * static_cast<std::uint64_t>(s.tasks))},
  };
  json results = json::array();
  for (const Phase& p : r.phases) {
    if (!is_io_phase(p)) continue;
    const nlohmann::json& d = p.details;
    results.push_back({{"access", p.name},
                       {"bwMiB", json_or_null(bw_mib(p))},
                       {"blockKiB", static_cast<double>(cfg.block_bytes) / 1024.0},
                       {"xferKiB", static_cast<double>(cfg.transfer_bytes) / 1024.0},
                       {"iops", json_or_null(number_at(d, "io_ops_per_s"))},
                       {"latency", json_or_null(latency_s(p))},
                       {"openTime", json_or_null(number_at(d, "open_duration_s"))},
                       {"wrRdTime", json_or_null(number_at(d, "io_duration_s"))},
                       {"closeTime", json_or_null(number_at(d, "close_duration_s"))},
                       {"totalTime", p.duration_s}});
  }
  json max = json::object();
  json summary = json::array();
  for (const OpSummary& o : op_summaries(r, cfg, s.tasks)) {
    const double best = max_of(o.bw);
    max[o.op + "MiB"] = best / kMiB;
    max[o.op + "MB"] = best / kMB;
    json row = {{"operation", o.op},
                {"API", s.api},
                {"TestID", 0},
                {"ReferenceNumber", 0},
                {"segmentCount", cfg.segments},
                {"blockSize", cfg.block_bytes},
                {"transferSize", cfg.transfer_bytes},
                {"numTasks", s.tasks},
                {"tasksPerNode", s.tasks_per_node},
                {"repetitions", cfg.iterations},
                {"filePerProc", cfg.file_per_process ? 1 : 0},
                {"reorderTasks", cfg.reorder ? 1 : 0},
                {"taskPerNodeOffset", cfg.task_per_node_offset},
                {"reorderTasksRandom", cfg.reorder_random ? 1 : 0},
                {"reorderTasksRandomSeed", cfg.seed},
                {"bwMaxMIB", best / kMiB},
                {"bwMinMIB", min_of(o.bw) / kMiB},
                {"bwMeanMIB", mean(o.bw) / kMiB},
                {"bwStdMIB", population_stddev(o.bw) / kMiB},
                {"OPsMax", max_of(o.ops)},
                {"OPsMin", min_of(o.ops)},
                {"OPsMean", mean(o.ops)},
                {"OPsSD", population_stddev(o.ops)},
                {"MeanTime", mean(o.time)}};
    if (o.stonewall && o.stonewall_time_sum > 0) {
      row["StoneWallTime"] = o.stonewall_time_sum / static_cast<double>(o.time.size());
      row["StoneWallbwMeanMIB"] = o.stonewall_per_rank_bytes_sum / o.stonewall_time_sum / kMiB;
    }
    row["xsizeMiB"] = o.agg_bytes / kMiB;
    summary.push_back(std::move(row));
  }
  json test = {{"TestID", 0},     {"StartTime", r.started_at}, {"Path", cfg.path}, {"Parameters", params},
               {"Options", options}, {"Results", results}};
  if (!max.empty()) test["max"] = max;
  std::string kernel = "Linux";
  return {{"Version", fmt::format("ior_like {}", r.tool_version)},
          {"Began", r.started_at},
          {"Command line", joined(r.command_line)},
          {"Machine", fmt::format("{} {}", kernel, host)},
          {"tests", json::array({test})},
          {"summary", summary},
          {"Finished", r.finished_at}};
}

std::string ior_csv(const RunResult& r, const Config& cfg) {
  const Shape s = shape_of(r, cfg);
  std::string out = "access,bw(MiB/s),IOPS,Latency,block(KiB),xfer(KiB),open(s),wr/rd(s),close(s),total(s),"
                    "numTasks,iter\n";
  auto num = [](std::optional<double> v) { return v ? fmt::format("{:.6f}", *v) : std::string(); };
  for (const Phase& p : r.phases) {
    if (!is_io_phase(p)) continue;
    const nlohmann::json& d = p.details;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", p.name, num(bw_mib(p)),
                       num(number_at(d, "io_ops_per_s")), num(latency_s(p)),
                       num(static_cast<double>(cfg.block_bytes) / 1024.0),
                       num(static_cast<double>(cfg.transfer_bytes) / 1024.0), num(number_at(d, "open_duration_s")),
                       num(number_at(d, "io_duration_s")), num(number_at(d, "close_duration_s")), num(p.duration_s),
                       s.tasks, p.iteration);
  }
  return out;
}

}  // namespace pfsbench::ior_like
