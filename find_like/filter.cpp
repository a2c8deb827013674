#include "filter.hpp"

#include <dirent.h>
#include <fnmatch.h>

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "pfsbench/error.hpp"

namespace pfsbench::find_like {

bool Filter::name_matches(const char* name) const noexcept {
  return !name_glob || ::fnmatch(name_glob->c_str(), name, 0) == 0;
}

bool Filter::stat_matches(const struct stat& st) const noexcept {
  if (size_bytes && static_cast<std::uint64_t>(st.st_size) != *size_bytes) return false;
  if (newer_ctime_s && static_cast<std::int64_t>(st.st_ctime) < *newer_ctime_s) return false;
  return true;
}

std::uint64_t parse_find_size(const std::string& text) {
  const auto bad = [&](const char* why) {
    return UsageError(fmt::format("-size '{}' {}; find_like takes pfind's form Nc, an exact size in bytes "
                                  "(e.g. -size 3901c)",
                                  text, why));
  };
  if (text.size() < 2 || text.back() != 'c') throw bad("does not end in 'c'");
  const std::string digits = text.substr(0, text.size() - 1);
  for (char ch : digits)
    if (ch < '0' || ch > '9') throw bad("is not a number of bytes");
  errno = 0;
  const unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
  if (errno == ERANGE) throw bad("is too large");
  return v;
}

char parse_find_type(const std::string& text) {
  if (text.size() == 1 && std::string_view("fdlbcps").find(text[0]) != std::string_view::npos) return text[0];
  throw UsageError(fmt::format("-type '{}' is not a file type; give one of f (regular file), d (directory), "
                               "l (symlink), b, c, p, s",
                               text));
}

char type_of_mode(mode_t mode) noexcept {
  switch (mode & S_IFMT) {
    case S_IFREG: return 'f';
    case S_IFDIR: return 'd';
    case S_IFLNK: return 'l';
    case S_IFBLK: return 'b';
    case S_IFCHR: return 'c';
    case S_IFIFO: return 'p';
    case S_IFSOCK: return 's';
    default: return '?';
  }
}

char type_of_dtype(unsigned char d_type) noexcept {
  switch (d_type) {
    case DT_REG: return 'f';
    case DT_DIR: return 'd';
    case DT_LNK: return 'l';
    case DT_BLK: return 'b';
    case DT_CHR: return 'c';
    case DT_FIFO: return 'p';
    case DT_SOCK: return 's';
    default: return 0;
  }
}

std::string escape_name(std::string_view name) {
  std::string out;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\')
      out += ch;
    else
      out += fmt::format("\\x{:02x}", c);
  }
  return out;
}

}  // namespace pfsbench::find_like
