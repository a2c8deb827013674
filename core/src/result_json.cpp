#include "pfsbench/result_json.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "pfsbench/fs.hpp"
#include "pfsbench/json_bytes.hpp"
#include "pfsbench/json_values.hpp"

namespace pfsbench {
namespace {

using nlohmann::json;

std::optional<double> opt_number(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<double>();
}
// A plain double the writer may have nulled (finite_or_null): null reads back as NaN.
double number_or_nan(const json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}

Distribution distribution_from_json(const json& j) {
  return {number_or_nan(j.at("min")), number_or_nan(j.at("median")), number_or_nan(j.at("max"))};
}

}  // namespace

json to_json(const LatencySummary& s) {
  json pct = json::array();
  for (const auto& [p, ns] : s.percentiles) pct.push_back({{"p", p}, {"latency_ns", finite_or_null(ns)}});
  return {{"count", s.count}, {"min_ns", finite_or_null(s.min_ns)}, {"mean_ns", finite_or_null(s.mean_ns)},
          {"max_ns", finite_or_null(s.max_ns)}, {"percentiles", pct}};
}

LatencySummary latency_from_json(const json& j) {
  LatencySummary s;
  s.count = j.at("count").get<std::uint64_t>();
  s.min_ns = number_or_nan(j.at("min_ns"));
  s.mean_ns = number_or_nan(j.at("mean_ns"));
  s.max_ns = number_or_nan(j.at("max_ns"));
  for (const auto& p : j.at("percentiles"))
    s.percentiles.emplace_back(p.at("p").get<double>(), number_or_nan(p.at("latency_ns")));
  return s;
}

json to_json(const RunResult& r) {
  json phases = json::array();
  for (const auto& p : r.phases) {
    phases.push_back({{"name", p.name},
                      {"iteration", p.iteration},
                      {"bytes", p.bytes},
                      {"ops", p.ops},
                      {"duration_s", finite_or_null(p.duration_s)},
                      {"bandwidth_bytes_per_s", number_or_null(p.bandwidth_bytes_per_s)},
                      {"ops_per_s", number_or_null(p.ops_per_s)},
                      {"rank_duration_s", distribution_json(p.rank_duration_s)},
                      {"latency", p.latency ? to_json(*p.latency) : json(nullptr)},
                      {"details", p.details}});
  }
  json summary = json::array();
  for (const auto& row : summarize_phases(r.phases)) {
    summary.push_back({{"phase", row.phase},
                       {"metric", row.metric},
                       {"count", row.stats.count},
                       {"min", finite_or_null(row.stats.min)},
                       {"max", finite_or_null(row.stats.max)},
                       {"mean", finite_or_null(row.stats.mean)},
                       {"median", finite_or_null(row.stats.median)},
                       {"stddev", number_or_null(row.stats.stddev)}});
  }
  json checks = json::array();
  json first = nullptr;
  for (const auto& c : r.verification.checks) {
    json m = nullptr;
    if (c.first_mismatch) {
      const auto& mm = *c.first_mismatch;
      m = {{"path", mm.path}, {"offset_bytes", mm.offset}, {"expected", mm.expected},
           {"found", mm.found}, {"mismatched_bytes", mm.mismatched_bytes}, {"rank", mm.rank}};
      if (first.is_null()) first = m;
    }
    checks.push_back({{"phase", c.phase}, {"iteration", c.iteration}, {"passed", c.passed},
                      {"bytes", c.bytes_checked}, {"duration_s", finite_or_null(c.duration_s)},
                      {"first_mismatch", m}});
  }
  json errors = json::array();
  for (const auto& e : r.errors) errors.push_back({{"kind", e.kind}, {"message", e.message}});
  // Paths, mount options, error texts and the command line are bytes: a
  // string that is not UTF-8 goes in as {"bytes_b64": ...} (json_bytes.hpp),
  // so the document always dumps.
  return escape_bytes(json{{"schema", kSchemaName},
          {"schema_version", kSchemaVersion},
          {"tool", r.tool},
          {"tool_version", r.tool_version},
          {"run_id", r.run_id},
          {"status", status_for(r.status)},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"label", r.label ? json(*r.label) : json(nullptr)},
          {"tags", r.tags},
          {"command_line", r.command_line},
          {"config", r.config},
          {"config_hash", config_hash(r.config)},
          {"environment", r.environment},
          {"phases", phases},
          {"summary", summary},
          {"verification",
           {{"enabled", r.verification.enabled},
            {"status", r.verification.status()},
            {"checks", checks},
            {"first_mismatch", first}}},
          {"warnings", r.warnings},
          {"errors", errors}});
}

RunResult run_result_from_json(const json& doc) {
  const json d = unescape_bytes(doc);
  RunResult r;
  r.tool = d.at("tool").get<std::string>();
  r.tool_version = d.at("tool_version").get<std::string>();
  r.run_id = d.at("run_id").get<std::string>();
  const std::string status = d.at("status").get<std::string>();
  r.status = status == "ok"              ? ExitCode::kOk
             : status == "verify_failed" ? ExitCode::kVerify
             : status == "interrupted"   ? ExitCode::kInterrupted
                                         : ExitCode::kRuntime;
  r.started_at = d.at("started_at").get<std::string>();
  r.finished_at = d.at("finished_at").get<std::string>();
  if (!d.at("label").is_null()) r.label = d.at("label").get<std::string>();
  r.tags = d.at("tags").get<std::map<std::string, std::string>>();
  r.command_line = d.at("command_line").get<std::vector<std::string>>();
  r.config = d.at("config");
  r.environment = d.at("environment");
  for (const auto& p : d.at("phases")) {
    Phase ph;
    ph.name = p.at("name").get<std::string>();
    ph.iteration = p.at("iteration").get<int>();
    ph.bytes = p.at("bytes").get<std::uint64_t>();
    ph.ops = p.at("ops").get<std::uint64_t>();
    ph.duration_s = number_or_nan(p.at("duration_s"));
    ph.bandwidth_bytes_per_s = opt_number(p, "bandwidth_bytes_per_s");
    ph.ops_per_s = opt_number(p, "ops_per_s");
    ph.rank_duration_s = distribution_from_json(p.at("rank_duration_s"));
    if (!p.at("latency").is_null()) ph.latency = latency_from_json(p.at("latency"));
    ph.details = p.at("details");
    r.phases.push_back(std::move(ph));
  }
  const auto& v = d.at("verification");
  r.verification.enabled = v.at("enabled").get<bool>();
  for (const auto& c : v.at("checks")) {
    VerificationCheck vc;
    vc.phase = c.at("phase").get<std::string>();
    vc.iteration = c.at("iteration").get<int>();
    vc.passed = c.at("passed").get<bool>();
    vc.bytes_checked = c.at("bytes").get<std::uint64_t>();
    vc.duration_s = number_or_nan(c.at("duration_s"));
    if (!c.at("first_mismatch").is_null()) {
      const auto& m = c.at("first_mismatch");
      vc.first_mismatch = Mismatch{m.at("path").get<std::string>(), m.at("offset_bytes").get<std::uint64_t>(),
                                   m.at("expected").get<std::uint32_t>(), m.at("found").get<std::uint32_t>(),
                                   m.at("mismatched_bytes").get<std::uint64_t>(), m.at("rank").get<int>()};
    }
    r.verification.checks.push_back(std::move(vc));
  }
  r.warnings = d.at("warnings").get<std::vector<std::string>>();
  for (const auto& e : d.at("errors"))
    r.errors.push_back({e.at("message").get<std::string>(), e.at("kind").get<std::string>()});
  return r;
}

void write_document(const RunResult& result, const std::string& path) {
  const json doc = to_json(result);
  std::string text;
  try {
    text = doc.dump(2) + "\n";
  } catch (const json::exception&) {
    // Not reachable while escape_bytes covers every string; if it ever is,
    // a document with U+FFFD in place of a bad byte beats no document.
    text = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  write_file_atomic(path, text);
}

}  // namespace pfsbench
