#pragma once
// The stonewall status file, in mdtest's and IOR's format: one decimal
// integer, the work per rank that a stonewalled phase agreed on (mdtest -x:
// items after wear-out; IOR -O stoneWallingStatusFile: transfers). A writing
// run stores it; a later run reads it and does that much per rank, as
// IO500's lines do.
//
// Unlike IOR (whose rank 0 returned without the broadcast when the file did
// not parse, leaving the other ranks in MPI_Bcast forever), loading is one
// collective step: rank 0 reads and parses, every rank agrees on the outcome,
// and a missing, unreadable or corrupt file is the same clear usage error
// (exit 2) on every rank, before any I/O of the run.
//
// Shared by mdtest_like (-x) and ior_like (-O stoneWallingStatusFile);
// StatusFileUse carries what differs: the option, the unit, the bound.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "pfsbench/tool.hpp"

namespace pfsbench {

/// Files longer than this are not status files (a count has at most 20 digits).
inline constexpr std::size_t kMaxStatusFileBytes = 4096;

/// The count in `text`: optional whitespace, decimal digits (at most
/// UINT64_MAX), optional whitespace. nullopt with `why` set otherwise
/// ("empty", "not a number: 'abc'", ...). Pure.
std::optional<std::uint64_t> parse_status_count(std::string_view text, std::string& why);

/// "<count>\n": what store_status_count writes.
std::string format_status_count(std::uint64_t count);

/// How a tool uses the file, for its messages and bound.
struct StatusFileUse {
  std::string option;   ///< as the user gave it: "-x", "-O stoneWallingStatusFile"
  std::string unit;     ///< what the count counts: "items", "transfers"
  std::string writer;   ///< how to write one: "run the create phase (-C, with -W) with the same -x first"
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();  ///< a larger count is refused (this run's layout)
  std::string max_what; ///< what sets `max`: "this run's -b/-t/-s"
};

/// COLLECTIVE. Rank 0 reads `path` and every rank returns its count. A
/// missing, unreadable or corrupt file, or a count above use.max, throws
/// CollectiveError (exit 2, the message naming the option, the path and
/// why) on every rank, before any I/O.
std::uint64_t load_status_count(RunContext& ctx, const std::string& path, const StatusFileUse& use);

/// COLLECTIVE. Rank 0 writes `count` to `path` atomically (temp file +
/// rename); a failure throws CollectiveError (exit 1) on every rank.
void store_status_count(RunContext& ctx, const std::string& path, const StatusFileUse& use, std::uint64_t count);

}  // namespace pfsbench
