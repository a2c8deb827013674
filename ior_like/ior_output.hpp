#pragma once
// IOR's own output formats, rendered from what the document holds, so that
// a site's IOR parser reads ior_like's numbers unchanged:
//  - the per-iteration table (access bw(MiB/s) IOPS Latency(s) block(KiB)
//    xfer(KiB) open(s) wr/rd(s) close(s) total(s) iter), column for column;
//  - "Max Write: X MiB/sec (Y MB/sec)" / "Max Read:" lines;
//  - the "Summary of all tests:" block with IOR's 27 columns;
//  - -O summaryFormat=JSON (IOR's keys: "tests"[]."Results"[], "summary"[],
//    "max") and -O summaryFormat=CSV (IOR's per-iteration CSV rows).
// The layout follows hpc/ior src/ior-output.c (read, not copied). Pure
// formatting: nothing here measures or touches MPI.
//
// Where the figures come from (docs/ior_like.md, "IOR-compatible output"):
//  bw       = the phase's bandwidth_bytes_per_s (all bytes / first open to
//             last close, IOR's definition)
//  IOPS     = details.io_ops_per_s: transfers / first..last transfer span,
//             IOR's per-iteration IOPS denominator
//  Latency  = latency.mean_ns: the mean over all transfers of all ranks
//             (IOR prints the smallest rank mean; equal when ranks are even)
//  summary  = over iterations of bandwidth and ops_per_s (both over open..
//             close, as IOR's summary), StdDev the POPULATION standard
//             deviation, as IOR computes it (our document's is the sample one)

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "pfsbench/result.hpp"

namespace pfsbench::ior_like {

/// The per-iteration table's two header lines (after a blank line).
std::string ior_table_header();
/// One row of the per-iteration table for a write or read phase.
std::string ior_table_row(const Phase& p, const Config& cfg);
/// "Max Write: ..." and "Max Read:  ..." for the phases present ("" if none).
std::string ior_max_lines(const RunResult& r);
/// "\nSummary of all tests:\n", the header and one row per operation ("" if
/// no phase finished).
std::string ior_summary_block(const RunResult& r, const Config& cfg);
/// IOR's -O summaryFormat=JSON document (keys in IOR's order).
nlohmann::ordered_json ior_json(const RunResult& r, const Config& cfg);
/// IOR's -O summaryFormat=CSV text: a header and one row per phase.
std::string ior_csv(const RunResult& r, const Config& cfg);

/// Population standard deviation (n in the denominator), IOR's; 0 for one value.
double population_stddev(const std::vector<double>& values);

}  // namespace pfsbench::ior_like
