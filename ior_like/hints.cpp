#include "hints.hpp"

#include <fmt/format.h>

#include "pfsbench/error.hpp"

namespace pfsbench::ior_like {
namespace {

constexpr std::string_view kMpi = "IOR_HINT__MPI__";
constexpr std::string_view kGpfs = "IOR_HINT__GPFS__";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One "IOR_HINT__<layer>__key=value" line into `out`; false when it is not one.
bool add_hint(std::string_view line, Hints& out) {
  if (line.starts_with(kGpfs)) {
    out.ignored.emplace_back(line.substr(0, line.find('=')));
    return true;
  }
  if (!line.starts_with(kMpi)) return false;
  const auto eq = line.find('=');
  if (eq == std::string_view::npos || eq == kMpi.size()) return false;
  out.mpi[std::string(line.substr(kMpi.size(), eq - kMpi.size()))] = std::string(line.substr(eq + 1));
  return true;
}

}  // namespace

Hints parse_hints_file(std::string_view text, const std::string& source) {
  Hints hints;
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (!add_hint(line, hints))
      throw UsageError(fmt::format("hints file {} line {}: '{}' is not a hint; each line is "
                                   "IOR_HINT__MPI__<key>=<value> (or a # comment)",
                                   source, line_no, line));
  }
  return hints;
}

Hints hints_from_environment(const char* const* envp) {
  Hints hints;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view var(*envp);
    if (var.starts_with("IOR_HINT__")) add_hint(var, hints);
  }
  return hints;
}

Hints merge_hints(Hints earlier, const Hints& later) {
  for (const auto& [k, v] : later.mpi) earlier.mpi[k] = v;
  earlier.ignored.insert(earlier.ignored.end(), later.ignored.begin(), later.ignored.end());
  return earlier;
}

}  // namespace pfsbench::ior_like
