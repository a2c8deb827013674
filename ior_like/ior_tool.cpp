#include "ior_tool.hpp"

#include "backends/backends.hpp"
#include "backends/hdf5_info.hpp"
#include "run.hpp"

namespace pfsbench::ior_like {

std::string IorTool::description() const {
  return "ior_like: IOR's bandwidth test (shared file N-to-1, or file per process with -F).\n"
         "IOR's short flags keep their IOR meaning, e.g.: ior_like -w -r -k -Z -b 256g -t 16m -i 2 -o /gpfs/f\n"
         "Headline bandwidth = all bytes of all ranks / (latest close - earliest open), as IOR.";
}

void IorTool::run(RunContext& ctx) {
  auto& software = ctx.result.environment["software"];
#ifdef PFSBENCH_HAVE_HDF5
  software["hdf5_version"] = hdf5_library_version();
  software["hdf5_parallel"] = true;
#else
  software["hdf5_version"] = nullptr;
  software["hdf5_parallel"] = nullptr;
#endif
  auto backend = make_backend(cfg_.api);
  ior_like::run(cfg_, ctx, *backend);
}

void IorTool::report(const RunContext& ctx, std::ostream& out) const { print_summary(ctx.result, out); }

}  // namespace pfsbench::ior_like
