// The result document (result.hpp, result_json.hpp): round trip, no NaN or
// Inf ever, the config hash, the summary over iterations, and validity
// against results/schema/result.schema.json (checked by the project's own
// validator, scripts/validate_result.py, on a document written to a file).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "pfsbench/environment.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/histogram.hpp"
#include "pfsbench/result.hpp"
#include "pfsbench/result_json.hpp"

namespace pfsbench {
namespace {

using nlohmann::json;

Phase make_phase(const std::string& name, int iteration, double bw, double dur) {
  Phase p;
  p.name = name;
  p.iteration = iteration;
  p.bytes = 1ull << 30;
  p.ops = 1024;
  p.duration_s = dur;
  p.bandwidth_bytes_per_s = bw;
  p.ops_per_s = 1024 / dur;
  p.rank_duration_s = {dur * 0.5, dur * 0.75, dur};
  LatencyHistogram h;
  for (std::uint64_t ns = 1000; ns < 200000; ns += 77) h.record(ns);
  p.latency = summarize(h);
  p.details = {{"open_s", 0.001}, {"io_s", dur - 0.002}, {"transfer_bytes", 1048576}, {"nested", {{"k", "v"}}}};
  return p;
}

// Every field of the model set to something that is not its default.
RunResult filled_result() {
  RunResult r;
  r.tool = "ior_like";
  r.tool_version = "0.1.0";
  r.run_id = "20261121T140643Z-9f3a0c1e";
  r.status = ExitCode::kVerify;
  r.started_at = "2026-11-21T14:06:43.123Z";
  r.finished_at = "2026-11-21T14:06:45.456Z";
  r.label = "gpfs-5.2 baseline";
  r.tags = {{"prefetch", "off"}, {"dioSmallSeqWriteBatching", "yes"}};
  r.command_line = {"ior_like", "-b", "16m", "-t", "1m", "--tag", "prefetch=off"};
  r.config = {{"block_bytes", 16777216}, {"transfer_bytes", 1048576}, {"file_per_process", false},
              {"path", "/gpfs/f"}, {"seed", 42}};
  r.environment = {{"ranks", 4}, {"hosts", {"n1"}}};
  r.phases.push_back(make_phase("write", 0, 2.5e9, 0.4294967296));
  r.phases.push_back(make_phase("read", 0, 3.1e9, 0.3463683303));
  r.phases.push_back(make_phase("write", 1, 2.25e9, 0.477218588));
  Phase absent = make_phase("read", 1, 0, 0);
  absent.bandwidth_bytes_per_s.reset();  // a zero span: no rate
  absent.ops_per_s.reset();
  absent.latency.reset();
  r.phases.push_back(absent);
  r.verification.enabled = true;
  r.verification.checks.push_back({"read", 0, true, 1ull << 30, 0.25, std::nullopt});
  r.verification.checks.push_back(
      {"read", 1, false, 1ull << 30, 0.5, Mismatch{"/gpfs/f", 123456789, 0xab, 0x00, 4096, 3}});
  r.warnings = {"all ranks on one node: -C reads a block of the same node"};
  r.errors = {{"rank 3: verification of '/gpfs/f' failed at offset 123456789", "verify"}};
  return r;
}

void expect_equal(const RunResult& a, const RunResult& b) {
  EXPECT_EQ(a.tool, b.tool);
  EXPECT_EQ(a.tool_version, b.tool_version);
  EXPECT_EQ(a.run_id, b.run_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.finished_at, b.finished_at);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.command_line, b.command_line);
  EXPECT_EQ(a.config, b.config);
  EXPECT_EQ(a.environment, b.environment);
  ASSERT_EQ(a.phases.size(), b.phases.size());
  for (std::size_t i = 0; i < a.phases.size(); ++i) {
    SCOPED_TRACE(i);
    const Phase& x = a.phases[i];
    const Phase& y = b.phases[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.iteration, y.iteration);
    EXPECT_EQ(x.bytes, y.bytes);
    EXPECT_EQ(x.ops, y.ops);
    EXPECT_EQ(x.duration_s, y.duration_s);  // exact: doubles round-trip through the dump
    EXPECT_EQ(x.bandwidth_bytes_per_s, y.bandwidth_bytes_per_s);
    EXPECT_EQ(x.ops_per_s, y.ops_per_s);
    EXPECT_EQ(x.rank_duration_s.min, y.rank_duration_s.min);
    EXPECT_EQ(x.rank_duration_s.median, y.rank_duration_s.median);
    EXPECT_EQ(x.rank_duration_s.max, y.rank_duration_s.max);
    ASSERT_EQ(x.latency.has_value(), y.latency.has_value());
    if (x.latency) {
      EXPECT_EQ(x.latency->count, y.latency->count);
      EXPECT_EQ(x.latency->min_ns, y.latency->min_ns);
      EXPECT_EQ(x.latency->mean_ns, y.latency->mean_ns);
      EXPECT_EQ(x.latency->max_ns, y.latency->max_ns);
      EXPECT_EQ(x.latency->percentiles, y.latency->percentiles);
    }
    EXPECT_EQ(x.details, y.details);
  }
  EXPECT_EQ(a.verification.enabled, b.verification.enabled);
  ASSERT_EQ(a.verification.checks.size(), b.verification.checks.size());
  for (std::size_t i = 0; i < a.verification.checks.size(); ++i) {
    const auto& x = a.verification.checks[i];
    const auto& y = b.verification.checks[i];
    EXPECT_EQ(x.phase, y.phase);
    EXPECT_EQ(x.iteration, y.iteration);
    EXPECT_EQ(x.passed, y.passed);
    EXPECT_EQ(x.bytes_checked, y.bytes_checked);
    EXPECT_EQ(x.duration_s, y.duration_s);
    ASSERT_EQ(x.first_mismatch.has_value(), y.first_mismatch.has_value());
    if (x.first_mismatch) {
      EXPECT_EQ(x.first_mismatch->path, y.first_mismatch->path);
      EXPECT_EQ(x.first_mismatch->offset, y.first_mismatch->offset);
      EXPECT_EQ(x.first_mismatch->expected, y.first_mismatch->expected);
      EXPECT_EQ(x.first_mismatch->found, y.first_mismatch->found);
      EXPECT_EQ(x.first_mismatch->mismatched_bytes, y.first_mismatch->mismatched_bytes);
      EXPECT_EQ(x.first_mismatch->rank, y.first_mismatch->rank);
    }
  }
  EXPECT_EQ(a.warnings, b.warnings);
  ASSERT_EQ(a.errors.size(), b.errors.size());
  for (std::size_t i = 0; i < a.errors.size(); ++i) {
    EXPECT_EQ(a.errors[i].message, b.errors[i].message);
    EXPECT_EQ(a.errors[i].kind, b.errors[i].kind);
  }
}

TEST(ResultJson, RoundTripOfAFilledResultThroughText) {
  const RunResult r = filled_result();
  const std::string text = to_json(r).dump(2);
  const RunResult back = run_result_from_json(json::parse(text));
  expect_equal(back, r);
  EXPECT_EQ(to_json(back), to_json(r));
}

TEST(ResultJson, EnvelopeFields) {
  const json d = to_json(filled_result());
  EXPECT_EQ(d.at("schema"), "pfsbench-result");
  EXPECT_EQ(d.at("schema_version"), 1);
  EXPECT_EQ(d.at("status"), "verify_failed");
  EXPECT_EQ(d.at("config_hash"), config_hash(filled_result().config));
  EXPECT_EQ(d.at("verification").at("status"), "failed");
  EXPECT_EQ(d.at("verification").at("first_mismatch").at("offset_bytes"), 123456789);
  EXPECT_EQ(d.at("verification").at("first_mismatch").at("expected"), 0xab);
  EXPECT_TRUE(d.at("phases").at(3).at("bandwidth_bytes_per_s").is_null());
  EXPECT_TRUE(d.at("phases").at(3).at("latency").is_null());
  const json& pct = d.at("phases").at(0).at("latency").at("percentiles");
  ASSERT_EQ(pct.size(), 4u);
  EXPECT_EQ(pct.at(3).at("p"), 99.9);
}

TEST(ResultJson, StatusOfEveryExitCode) {
  RunResult r = filled_result();
  const std::vector<std::pair<ExitCode, const char*>> cases = {{ExitCode::kOk, "ok"},
                                                               {ExitCode::kRuntime, "failed"},
                                                               {ExitCode::kUsage, "failed"},
                                                               {ExitCode::kVerify, "verify_failed"},
                                                               {ExitCode::kInterrupted, "interrupted"}};
  for (const auto& [code, status] : cases) {
    r.status = code;
    const json d = to_json(r);
    EXPECT_EQ(d.at("status"), status);
    // The document has four statuses; a usage failure reads back as a run-time one.
    EXPECT_EQ(run_result_from_json(d).status, code == ExitCode::kUsage ? ExitCode::kRuntime : code);
  }
}

TEST(ResultJson, NeverNaNOrInf) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  RunResult r = filled_result();
  r.phases[0].bandwidth_bytes_per_s = inf;
  r.phases[0].ops_per_s = nan;
  r.phases[1].rank_duration_s = {nan, inf, -inf};
  r.phases[1].latency->mean_ns = nan;
  r.phases[1].latency->percentiles[0].second = inf;
  r.phases[2].details["ratio"] = nan;
  r.verification.checks[0].duration_s = inf;
  const json d = to_json(r);
  const std::string text = d.dump();
  for (const char* bad : {"NaN", "nan", "Infinity", "inf"})
    EXPECT_EQ(text.find(bad), std::string::npos) << bad << " in " << text;
  const json back = json::parse(text);  // strict JSON
  EXPECT_TRUE(back.at("phases").at(0).at("bandwidth_bytes_per_s").is_null());
  EXPECT_TRUE(back.at("phases").at(0).at("ops_per_s").is_null());
  EXPECT_TRUE(back.at("phases").at(1).at("rank_duration_s").at("min").is_null());
  EXPECT_TRUE(back.at("phases").at(1).at("latency").at("percentiles").at(0).at("latency_ns").is_null());
  EXPECT_TRUE(back.at("verification").at("checks").at(0).at("duration_s").is_null());
  // Summary rows over a non-finite bandwidth stay finite or null too.
  for (const auto& row : back.at("summary"))
    for (const char* k : {"min", "max", "mean", "median", "stddev"})
      EXPECT_TRUE(row.at(k).is_null() || std::isfinite(row.at(k).get<double>()));
  // A document with nulls where the schema allows them reads back.
  const RunResult rb = run_result_from_json(back);
  EXPECT_FALSE(rb.phases[0].bandwidth_bytes_per_s.has_value());
  EXPECT_TRUE(std::isnan(rb.phases[1].rank_duration_s.min));
  EXPECT_TRUE(std::isnan(rb.verification.checks[0].duration_s));
}

// FNV-1a 64 of a byte string, written out independently of result.cpp.
std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

TEST(ConfigHash, StableAndKeyOrderIndependent) {
  json a;
  a["transfer_bytes"] = 1048576;
  a["block_bytes"] = 16777216;
  a["path"] = "/gpfs/f";
  json b;
  b["path"] = "/gpfs/f";
  b["block_bytes"] = 16777216;
  b["transfer_bytes"] = 1048576;
  EXPECT_EQ(config_hash(a), config_hash(b));
  EXPECT_TRUE(std::regex_match(config_hash(a), std::regex("fnv1a64:[0-9a-f]{16}")));
  // Pinned: the hash of the canonical (sorted, compact) dump.
  const std::string canonical = R"({"block_bytes":16777216,"path":"/gpfs/f","transfer_bytes":1048576})";
  char want[40];
  std::snprintf(want, sizeof want, "fnv1a64:%016llx", static_cast<unsigned long long>(fnv1a64(canonical)));
  EXPECT_EQ(config_hash(a), want);
  EXPECT_EQ(config_hash(json::parse(R"({"a": {"y": 1, "x": [1, 2]}})")),
            config_hash(json::parse(R"({"a": {"x": [1, 2], "y": 1}})")));
  // Any change of value or type changes it.
  json c = a;
  c["transfer_bytes"] = 1048577;
  EXPECT_NE(config_hash(a), config_hash(c));
  json d = a;
  d["transfer_bytes"] = "1048576";
  EXPECT_NE(config_hash(a), config_hash(d));
  EXPECT_EQ(config_hash(json::object()), std::string("fnv1a64:") + [] {
              char buf[17];
              std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64("{}")));
              return std::string(buf);
            }());
}

TEST(RunId, Format) {
  const std::string id = make_run_id();
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}"))) << id;
  EXPECT_NE(make_run_id(), make_run_id());  // 32 random bits each
}

TEST(SummarizePhases, PerPhaseNameOverIterations) {
  const RunResult r = filled_result();
  const auto rows = summarize_phases(r.phases);
  // write: bw, ops, duration; read: bw and ops of iteration 0 only, duration of both.
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].phase, "write");
  EXPECT_EQ(rows[0].metric, "bandwidth_bytes_per_s");
  EXPECT_EQ(rows[0].stats.count, 2u);
  EXPECT_DOUBLE_EQ(rows[0].stats.mean, 2.375e9);
  EXPECT_DOUBLE_EQ(rows[0].stats.min, 2.25e9);
  EXPECT_NEAR(*rows[0].stats.stddev, 0.25e9 / std::sqrt(2.0), 1);
  EXPECT_EQ(rows[2].metric, "duration_s");
  EXPECT_EQ(rows[3].phase, "read");
  EXPECT_EQ(rows[3].metric, "bandwidth_bytes_per_s");
  EXPECT_EQ(rows[3].stats.count, 1u);
  EXPECT_FALSE(rows[3].stats.stddev.has_value());
  EXPECT_EQ(rows[5].metric, "duration_s");
  EXPECT_EQ(rows[5].stats.count, 2u);
  const json d = to_json(r);
  ASSERT_EQ(d.at("summary").size(), 6u);
  EXPECT_TRUE(d.at("summary").at(3).at("stddev").is_null());
}

TEST(VerificationStatus, Values) {
  Verification v;
  EXPECT_EQ(v.status(), "not_run");
  v.checks.push_back({"read", 0, true, 1, 0.1, std::nullopt});
  EXPECT_EQ(v.status(), "not_run");  // disabled
  v.enabled = true;
  EXPECT_EQ(v.status(), "passed");
  v.checks.push_back({"read", 1, false, 1, 0.1, std::nullopt});
  EXPECT_EQ(v.status(), "failed");
}

// --- schema validity, checked by scripts/validate_result.py -------------

std::string source_root() {
  std::string schema = PFSBENCH_SCHEMA_PATH;  // <root>/results/schema/result.schema.json
  return schema.substr(0, schema.size() - std::string("/results/schema/result.schema.json").size());
}

// scripts/validate_result.py with the tools' `$defs/<tool>_details` relaxed to
// "any object": core owns the envelope, each tool's own tests validate its
// details (which a core test cannot fill). Everything else is the real schema.
std::string envelope_validator_command(const std::string& root) {
  return "/usr/bin/python3 -c '"
         "import json, sys; sys.path.insert(0, sys.argv[1]); import validate_result as v, jsonschema; "
         "s = json.load(open(v.SCHEMA)); "
         "[s[\"$defs\"].__setitem__(k, {\"type\": \"object\"}) for k in list(s[\"$defs\"]) if k.endswith(\"_details\")]; "
         "e = v.errors_of(json.load(open(sys.argv[2])), jsonschema.Draft202012Validator(s)); "
         "print(chr(10).join(e)); sys.exit(1 if e else 0)' " + root + "/scripts";
}

// Runs the validator on `doc`; returns its exit code and output.
int validate(const json& doc, std::string& output) {
  char tmpl[] = "/tmp/pfsbench-doc-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return -1;
  close(fd);
  const std::string path = tmpl;
  write_file_atomic(path, doc.dump(2));
  const std::string cmd = envelope_validator_command(source_root()) + " " + path + " 2>&1";
  output.clear();
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) output += buf;
  const int status = pclose(p);
  unlink(path.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// An environment block as capture_environment builds it, from the parts
// that need no MPI (the real one is validated in tests/mpi).
json environment_without_mpi() {
  return {{"launcher", detect_launcher()},
          {"ranks", 4},
          {"nodes", 1},
          {"ranks_per_node", 4},
          {"hosts", {"localhost"}},
          {"clock", {{"source", "CLOCK_MONOTONIC"}, {"max_abs_offset_s", 1e-6}, {"max_uncertainty_s", 2e-6}}},
          {"target", to_json(probe_filesystem("/dev/shm/pfsbench-x"))},
          {"system", {{"kernel", "Linux"}, {"machine", "x86_64"}, {"cpu_model", "cpu"}, {"cpus_online", 2},
                      {"memory_bytes", nullptr}}},
          {"software", {{"mpi_library", "Open MPI"}, {"compiler", "gcc"}, {"build_type", "Release"},
                        {"git_revision", "abc"}, {"pfsbench_version", "0.1.0"}}}};
}

TEST(ResultSchema, FilledDocumentValidates) {
  RunResult r = filled_result();
  r.environment = environment_without_mpi();
  std::string out;
  EXPECT_EQ(validate(to_json(r), out), 0) << out;
  // Every status, including the failed ones that need an error record.
  for (ExitCode code : {ExitCode::kOk, ExitCode::kRuntime, ExitCode::kInterrupted}) {
    r.status = code;
    EXPECT_EQ(validate(to_json(r), out), 0) << status_for(code) << ": " << out;
  }
  // A bare document of a run that failed before any phase.
  RunResult bare;
  bare.tool = "mdtest_like";
  bare.run_id = "x";
  bare.status = ExitCode::kUsage;
  bare.started_at = bare.finished_at = "2026-11-21T14:06:43Z";
  bare.command_line = {"mdtest_like"};
  bare.environment = environment_without_mpi();
  bare.errors = {{"mdtest_like: error: -n must be > 0", "usage"}};
  EXPECT_EQ(validate(to_json(bare), out), 0) << out;
}

TEST(ResultSchema, TheValidatorRejectsABrokenDocument) {
  // Guards the test above: the validator really runs and really checks.
  RunResult r = filled_result();
  r.environment = environment_without_mpi();
  json d = to_json(r);
  d["phases"][0]["bytes"] = -1;
  std::string out;
  EXPECT_EQ(validate(d, out), 1) << out;
  EXPECT_NE(out.find("phases/0/bytes"), std::string::npos) << out;
  r.errors.clear();
  r.status = ExitCode::kRuntime;  // failed without an error record
  EXPECT_EQ(validate(to_json(r), out), 1) << out;
}

}  // namespace
}  // namespace pfsbench
