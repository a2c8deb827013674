#include "pfsbench/result.hpp"

#include <algorithm>
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "pfsbench/json_bytes.hpp"

namespace pfsbench {

std::string Verification::status() const {
  if (!enabled || checks.empty()) return "not_run";
  for (const auto& c : checks)
    if (!c.passed) return "failed";
  return "passed";
}

std::vector<SummaryRow> summarize_phases(const std::vector<Phase>& phases) {
  std::vector<std::string> names;
  for (const auto& p : phases)
    if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
  std::vector<SummaryRow> rows;
  for (const auto& name : names) {
    std::vector<double> bw, ops, dur;
    for (const auto& p : phases) {
      if (p.name != name) continue;
      if (p.bandwidth_bytes_per_s) bw.push_back(*p.bandwidth_bytes_per_s);
      if (p.ops_per_s) ops.push_back(*p.ops_per_s);
      dur.push_back(p.duration_s);
    }
    if (!bw.empty()) rows.push_back({name, "bandwidth_bytes_per_s", summarize(bw)});
    if (!ops.empty()) rows.push_back({name, "ops_per_s", summarize(ops)});
    rows.push_back({name, "duration_s", summarize(dur)});
  }
  return rows;
}

std::string config_hash(const nlohmann::json& config) {
  // nlohmann::json objects are std::map based: dump() is canonical (sorted
  // keys). The config is hashed as the document carries it (byte strings
  // escaped, json_bytes.hpp), so a reader recomputes the hash from the
  // document alone: FNV-1a 64 of the compact dump, as Python's
  // json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
  const std::string text = escape_bytes(config).dump();
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return fmt::format("fnv1a64:{:016x}", h);
}

std::string make_run_id() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  std::random_device rd;
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:08x}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rd());
}

}  // namespace pfsbench
