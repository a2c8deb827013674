#pragma once
// Strict parsing and display of sizes and durations.

#include <cstdint>
#include <string>
#include <string_view>

namespace pfsbench {

/// Parses a size with an optional binary suffix: "4096", "4k", "4K", "4KiB",
/// "16m", "1g", "2t", "1p" (all powers of 1024; "4kb" is also 4096, as in IOR).
/// Throws UsageError naming `option` on junk ("4x", "", "-1", "1.5k"),
/// overflow past 2^63-1, or zero when `allow_zero` is false.
std::uint64_t parse_size(std::string_view text, std::string_view option, bool allow_zero = false);

/// Parses a non-negative duration in seconds: "30", "1.5", "500ms", "2m", "1h".
double parse_duration_s(std::string_view text, std::string_view option);

/// "16 MiB", "1.50 GiB", "512 B": exact binary units for display.
std::string format_bytes(std::uint64_t bytes);

/// Short IOR-style size for tables: "16m", "256k", "4096".
std::string format_size_short(std::uint64_t bytes);

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;

}  // namespace pfsbench
