#pragma once
// The result model: plain records that every tool fills and every reporter
// reads. Definitions of the numbers are in DESIGN.md and next to the code
// that computes them; this file only holds them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pfsbench/error.hpp"
#include "pfsbench/histogram.hpp"
#include "pfsbench/stats.hpp"

namespace pfsbench {

/// One measured phase of one iteration (e.g. "write" of iteration 0).
struct Phase {
  std::string name;
  int iteration = 0;
  std::uint64_t bytes = 0;      ///< bytes moved by all ranks (0 for metadata phases)
  std::uint64_t ops = 0;        ///< transfers or items of all ranks
  /// The headline span: earliest start over ranks to latest end over ranks
  /// (what exactly it covers is defined per tool; for ior_like open..close).
  double duration_s = 0;
  std::optional<double> bandwidth_bytes_per_s;  ///< bytes / duration_s
  std::optional<double> ops_per_s;              ///< ops / duration_s (same denominator)
  Distribution rank_duration_s;                 ///< each rank's own duration
  std::optional<LatencySummary> latency;        ///< per operation, merged over ranks
  nlohmann::json details = nlohmann::json::object();  ///< tool-specific, see the schema
};

/// Where verification found the first wrong byte.
struct Mismatch {
  std::string path;
  std::uint64_t offset = 0;         ///< file offset of the first wrong byte
  std::uint32_t expected = 0;       ///< expected byte value
  std::uint32_t found = 0;          ///< byte value read
  std::uint64_t mismatched_bytes = 0;  ///< wrong bytes in the checked range of that rank
  int rank = 0;
};

/// One verification pass (e.g. the -R check of the read of iteration 0).
struct VerificationCheck {
  std::string phase;
  int iteration = 0;
  bool passed = true;
  std::uint64_t bytes_checked = 0;
  double duration_s = 0;                 ///< timed apart from the phase it checks
  std::optional<Mismatch> first_mismatch;
};

struct Verification {
  bool enabled = false;
  std::vector<VerificationCheck> checks;
  /// "not_run" (disabled or nothing checked yet), "passed", or "failed".
  std::string status() const;
};

struct ErrorRecord {
  std::string message;
  std::string kind;  ///< "usage", "runtime", "verify", "interrupted"
};

/// Statistics of one metric of one phase name over its iterations.
struct SummaryRow {
  std::string phase;
  std::string metric;  ///< "bandwidth_bytes_per_s", "ops_per_s", "duration_s", ...
  Summary stats;
};

struct RunResult {
  std::string tool;
  std::string tool_version;
  std::string run_id;
  ExitCode status = ExitCode::kOk;
  std::string started_at, finished_at;
  std::optional<std::string> label;
  std::map<std::string, std::string> tags;
  std::vector<std::string> command_line;
  nlohmann::json config = nlohmann::json::object();
  nlohmann::json environment = nlohmann::json::object();
  std::vector<Phase> phases;
  Verification verification;
  std::vector<std::string> warnings;
  std::vector<ErrorRecord> errors;
};

/// Summaries over iterations of bandwidth_bytes_per_s, ops_per_s and
/// duration_s for every phase name, in first-appearance order. Metrics
/// absent in an iteration are left out of that iteration's sample.
std::vector<SummaryRow> summarize_phases(const std::vector<Phase>& phases);

/// "fnv1a64:0123456789abcdef" of the config's canonical dump (sorted keys):
/// two runs with the same hash ran the same configuration.
std::string config_hash(const nlohmann::json& config);

/// A fresh run id: UTC time plus 32 random bits, e.g. "20261121T140643Z-9f3a0c1e".
std::string make_run_id();

}  // namespace pfsbench
