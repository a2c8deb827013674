#pragma once
// The result document: RunResult <-> JSON (nlohmann-json only, never by
// hand), and its atomic writing. The shape is results/schema/result.schema.json.

#include <string>

#include <nlohmann/json.hpp>

#include "pfsbench/result.hpp"

namespace pfsbench {

inline constexpr const char* kSchemaName = "pfsbench-result";
inline constexpr int kSchemaVersion = 1;

nlohmann::json to_json(const RunResult& result);
/// Reads a document back (for tests and tooling). Throws nlohmann::json
/// exceptions on documents that do not follow the schema.
RunResult run_result_from_json(const nlohmann::json& doc);

nlohmann::json to_json(const LatencySummary& s);
LatencySummary latency_from_json(const nlohmann::json& j);

/// Writes the document: "-" = stdout, otherwise atomically (temp file in the
/// same directory, fsync, rename), so a reader never sees a partial file.
/// Throws IoError.
void write_document(const RunResult& result, const std::string& path);

}  // namespace pfsbench
