// The explicit engine list (hpc/ior available_aiori[] style), guarded by the
// build options PFSBENCH_WITH_LIBAIO / PFSBENCH_WITH_URING.
#include "submitter.hpp"

#include <fmt/format.h>

#include "pfsbench/error.hpp"

namespace pfsbench::dio_batch {

std::vector<std::string> available_engines() {
  std::vector<std::string> out;
#ifdef PFSBENCH_HAVE_LIBAIO
  out.emplace_back("libaio");
#endif
#ifdef PFSBENCH_HAVE_URING
  out.emplace_back("io_uring");
#endif
  out.emplace_back("psync");
  return out;
}

EngineCaps engine_caps(const std::string& name) {
  if (name == "libaio") return {65536, true, false};
  if (name == "io_uring") return {32768, true, true};
  return {1, false, false};
}

std::unique_ptr<Submitter> make_engine(const std::string& name, const EngineSetup& setup,
                                       const std::string& path, int rank) {
#ifdef PFSBENCH_HAVE_LIBAIO
  if (name == "libaio") return make_libaio(setup, path, rank);
#endif
#ifdef PFSBENCH_HAVE_URING
  if (name == "io_uring") return make_uring(setup, path, rank);
#endif
  if (name == "psync") return make_psync(setup, path);
  throw UsageError(fmt::format("unknown engine '{}' (rank {}, {})", name, rank, path));
}

}  // namespace pfsbench::dio_batch
