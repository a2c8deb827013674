// The explicit list of backends (IOR's available_aiori[]). Backends that
// depend on optional libraries are added here under their PFSBENCH_WITH_*
// build option.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backends.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::ior_like {
namespace {

struct Entry {
  const char* name;
  std::unique_ptr<IoBackend> (*make)();
};

constexpr Entry kBackends[] = {
    {"posix", make_posix_backend},
    {"null", make_null_backend},
};

}  // namespace

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const auto& e : kBackends) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<IoBackend> make_backend(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& e : kBackends)
    if (lower == e.name) return e.make();
  std::string later;
  if (lower == "mpiio" || lower == "hdf5" || lower == "mmap")
    later = fmt::format(" ({} is planned but not built into this version)", name);
  throw UsageError(fmt::format("unknown backend -a {}{}; available: {}", name, later,
                               fmt::join(available_backends(), ", ")));
}

}  // namespace pfsbench::ior_like
