#pragma once
// The stonewall status file (-x FILE), in mdtest's and IOR's format: one
// decimal integer, the items per rank that a stonewalled create phase agreed
// on (after wear-out). A create run writes it; a later run without -C reads
// it and works on that many items per rank, as IO500's mdtest lines do.
//
// Unlike IOR (whose rank 0 returned without the broadcast when the file did
// not parse, leaving the other ranks in MPI_Bcast forever), loading is one
// collective step: rank 0 reads and parses, every rank agrees on the outcome,
// and a missing, unreadable or corrupt file is the same clear usage error
// (exit 2) on every rank, before any I/O of the run.
//
// Nothing here is specific to mdtest_like but RunContext: ior_like's
// -O stoneWallingStatusFile can use the same three functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pfsbench/tool.hpp"

namespace pfsbench::mdtest_like {

/// Files longer than this are not status files (a count has at most 20 digits).
inline constexpr std::size_t kMaxStatusFileBytes = 4096;

/// The count in `text`: optional whitespace, decimal digits (at most
/// UINT64_MAX), optional whitespace. nullopt with `why` set otherwise
/// ("empty", "not a number: 'abc'", ...). Pure.
std::optional<std::uint64_t> parse_status_count(std::string_view text, std::string& why);

/// "<count>\n": what store_status_count writes.
std::string format_status_count(std::uint64_t count);

/// COLLECTIVE. Rank 0 reads `path` and every rank returns its count. A
/// missing, unreadable or corrupt file throws CollectiveError (exit 2, the
/// message naming `flag`, the path and why) on every rank.
std::uint64_t load_status_count(RunContext& ctx, const std::string& path, const std::string& flag);

/// COLLECTIVE. Rank 0 writes `count` to `path` atomically (temp file +
/// rename); a failure throws CollectiveError (exit 1) on every rank.
void store_status_count(RunContext& ctx, const std::string& path, std::uint64_t count);

}  // namespace pfsbench::mdtest_like
