#pragma once
// find_like's predicates: what an entry must satisfy to be "matched". Pure
// functions, no I/O (unit tested in tests/unit/find_like).
//
// Meanings (pfind's for IO500's line, GNU find's elsewhere):
//  - -name GLOB: fnmatch(3) of the entry's last path component, no flags
//    (GNU find: '*' also matches a leading '.'). For IO500's "*01*" this is
//    what pfind's regex ".*01.*" matches too.
//  - -size Nc: st_size == N bytes exactly (pfind and GNU find agree; only
//    the 'c' unit, as pfind).
//  - -newer FILE: pfind's rule: the entry's st_ctime (whole seconds) >= the
//    lstat ctime of FILE. GNU find compares mtimes strictly; on a tree
//    written after FILE (IO500's case) both select the same entries.
//  - -type c: one of f d l b c p s, from the lstat mode (the stat mode with
//    -L), or from readdir's d_type when no stat is needed.
// Every entry below the root, and the root itself, is tested (GNU find).

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pfsbench::find_like {

struct Filter {
  std::optional<std::string> name_glob;
  std::optional<std::uint64_t> size_bytes;
  std::optional<std::int64_t> newer_ctime_s;  ///< resolved from the -newer file at run time
  std::optional<char> type;                   ///< 'f','d','l','b','c','p','s'

  /// True when some predicate needs the inode (stat), beyond name and type.
  bool needs_stat() const noexcept { return size_bytes.has_value() || newer_ctime_s.has_value(); }
  bool name_matches(const char* name) const noexcept;
  /// The stat-based predicates (size, newer) on a stat result.
  bool stat_matches(const struct stat& st) const noexcept;
};

/// "3901c" -> 3901. Throws UsageError naming -size on anything else
/// (no digits, junk, another unit, overflow).
std::uint64_t parse_find_size(const std::string& text);

/// "f" -> 'f'. Throws UsageError naming -type unless one of f d l b c p s.
char parse_find_type(const std::string& text);

/// The -type letter of a stat mode, '?' for none.
char type_of_mode(mode_t mode) noexcept;
/// The -type letter of a readdir d_type, 0 when unknown (DT_UNKNOWN).
char type_of_dtype(unsigned char d_type) noexcept;

/// `name` with every byte outside printable ASCII written as \xNN.
std::string escape_name(std::string_view name);

}  // namespace pfsbench::find_like
