// The explicit list of backends (IOR's available_aiori[]). Backends that
// depend on optional libraries keep their row when not built, so -a names
// them and says how to build them.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backends.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::ior_like {
namespace {

BackendCaps posix_caps() {
  BackendCaps c;
  c.odirect = true;
  return c;
}
BackendCaps null_caps() {
  BackendCaps c;
  c.creates_files = false;
  c.odirect = true;
  return c;
}
BackendCaps mmap_caps() { return BackendCaps{}; }
BackendCaps mpiio_caps() {
  BackendCaps c;
  c.collective = true;
  c.collective_open = true;
  c.hints = true;
  return c;
}
BackendCaps hdf5_caps() {
  BackendCaps c = mpiio_caps();
  c.use_existing = false;  // H5Fcreate(H5F_ACC_TRUNC) recreates the file
  // One dataset open at a time, in segment order, changed by a collective
  // call at segment boundaries: -z -z's blocks of any segment do not fit.
  c.segment_points = true;
  c.random_blocks = false;
  return c;
}

std::vector<BackendRow> make_rows() {
  std::vector<BackendRow> rows;
  rows.push_back({"posix", "POSIX", "open/pwrite/pread/fsync/close; -B for O_DIRECT", "--posix.", true, "",
                  posix_caps(), nullptr, make_posix_backend});
  rows.push_back({"mpiio", "MPIIO", "MPI_File_write_at/read_at, or the _all calls with -c; hints; -e = MPI_File_sync",
                  "--mpiio.", true, "", mpiio_caps(), add_mpiio_options, make_mpiio_backend});
#ifdef PFSBENCH_HAVE_HDF5
  rows.push_back({"hdf5", "HDF5", "parallel HDF5: one 1-D dataset per segment, a hyperslab per transfer; -c collective",
                  "--hdf5.", true, "", hdf5_caps(), add_hdf5_options, make_hdf5_backend});
#else
  rows.push_back({"hdf5", "HDF5", "parallel HDF5 (not built in)", "--hdf5.", false,
                  "this ior_like was built without parallel HDF5: install libhdf5-openmpi-dev and rebuild "
                  "with -DPFSBENCH_WITH_HDF5=ON",
                  hdf5_caps(), add_hdf5_options, nullptr});
#endif
  rows.push_back({"mmap", "MMAP", "mmap the file, memcpy to or from the mapping; -e = msync", "", true, "",
                  mmap_caps(), nullptr, make_mmap_backend});
  rows.push_back({"null", "DUMMY", "moves nothing: the tool's own overhead (IOR's DUMMY)", "", true, "", null_caps(),
                  nullptr, make_null_backend});
  return rows;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const std::vector<BackendRow>& backend_rows() {
  static const std::vector<BackendRow> rows = make_rows();
  return rows;
}

std::vector<std::string> available_backends() {
  std::vector<std::string> names;
  for (const auto& r : backend_rows())
    if (r.built) names.emplace_back(r.name);
  return names;
}

const BackendRow& find_backend(const std::string& name) {
  const std::string want = lower(name);
  for (const auto& r : backend_rows()) {
    if (want != r.name && want != lower(r.ior_name)) continue;
    if (!r.built) throw UsageError(fmt::format("-a {}: {}", name, r.not_built));
    return r;
  }
  throw UsageError(fmt::format("unknown backend -a {}; available: {}", name, fmt::join(available_backends(), ", ")));
}

std::unique_ptr<IoBackend> make_backend(const std::string& name) { return find_backend(name).make(); }

}  // namespace pfsbench::ior_like
