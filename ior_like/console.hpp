#pragma once
// ior_like's human output on rank 0: the header and one row per phase on
// stdout (IOR's table, ior_output.hpp), -v detail on stderr, checks, hints, the summary.
// Everything here reads what the document holds; nothing is measured here.

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "pfsbench/result.hpp"

namespace pfsbench::ior_like {

void print_header(std::ostream& out, const Config& cfg, const std::string& api, int ranks, int nodes);
void print_row(std::ostream& out, const Phase& p, const Config& cfg);
/// -v: the phase's open, transfers, fsync and close spans and its
/// stonewall counts, from p.details.
void print_phase_detail(std::ostream& out, const Phase& p, double deadline_s);
void print_check(std::ostream& out, const VerificationCheck& check);
/// -H: the hints an MPIIO/HDF5 handle reported after open (its facts()).
void print_hints(std::ostream& out, const nlohmann::json& facts);
/// After the run: IOR's "Max Write:"/"Max Read:" lines and its "Summary of
/// all tests:" block (ior_output.hpp), then with --pfsbench-tables ours.
void print_summary(const RunResult& result, const Config& cfg, std::ostream& out);
/// pfsbench's own per-phase table: I/O-only bandwidth, latency percentiles,
/// the rank time spread. No row starts with "write" or "read".
void print_pfsbench_tables(const RunResult& result, std::ostream& out);

}  // namespace pfsbench::ior_like
