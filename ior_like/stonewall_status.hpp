#pragma once
// IOR's stonewalling status file: the write phase's agreed transfer count
// per rank, as one decimal number (IOR's format), so a read phase in this
// run or a later one reads back exactly what was written.

#include <cstdint>
#include <string>

namespace pfsbench::ior_like {

/// Parses the file's text: one decimal number, surrounding whitespace
/// allowed. Throws UsageError naming `path` when it is anything else, or
/// when the count exceeds `max_transfers` (the -b/-t/-s of this run).
std::uint64_t parse_status_text(const std::string& text, const std::string& path, std::uint64_t max_transfers);

/// Writes `transfers` to `path` atomically (temp file, fsync, rename), so a
/// reader never sees a half-written file. Throws IoError.
void write_status_file(const std::string& path, std::uint64_t transfers);

/// Reads and parses the file; throws UsageError when missing, unreadable
/// or malformed (the message names the file and says what to do).
std::uint64_t read_status_file(const std::string& path, std::uint64_t max_transfers);

}  // namespace pfsbench::ior_like
