#pragma once
// The registry of backends (IOR's available_aiori[]): one row per backend
// with its name, capabilities and options, so validation and --help never
// build a backend. Rows of backends that need an optional library exist
// whether or not it was built in; `built` says which.

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "backend.hpp"

namespace pfsbench::ior_like {

struct BackendRow {
  const char* name;         ///< lower case, as -a takes it (case-insensitive)
  const char* ior_name;     ///< IOR's spelling (POSIX, MPIIO, HDF5, MMAP)
  const char* summary;      ///< one line for --help
  const char* option_prefix;///< its options' prefix ("--mpiio."), or "" when none
  bool built;               ///< compiled into this binary
  const char* not_built;    ///< why not, when !built (the build option to turn on)
  BackendCaps caps;
  /// Registers the backend's own options (prefixed) on `app`; may be null.
  void (*add_options)(CLI::App& app, BackendOptions& options);
  std::unique_ptr<IoBackend> (*make)();
};

/// Every known backend, in -a order (built or not).
const std::vector<BackendRow>& backend_rows();

/// The row for -a NAME (case-insensitive; "mpiio" and "MPIIO" alike).
/// Throws UsageError listing the available backends for an unknown name,
/// and naming the build option for a backend that is known but not built.
const BackendRow& find_backend(const std::string& name);

/// Names of the backends built in, in -a order.
std::vector<std::string> available_backends();

/// find_backend(name).make(). Throws UsageError like find_backend.
std::unique_ptr<IoBackend> make_backend(const std::string& name);

// Factories and option registration of the built-in backends.
std::unique_ptr<IoBackend> make_posix_backend();
std::unique_ptr<IoBackend> make_null_backend();
std::unique_ptr<IoBackend> make_mmap_backend();
std::unique_ptr<IoBackend> make_mpiio_backend();
void add_mpiio_options(CLI::App& app, BackendOptions& options);
#ifdef PFSBENCH_HAVE_HDF5
std::unique_ptr<IoBackend> make_hdf5_backend();
#endif
void add_hdf5_options(CLI::App& app, BackendOptions& options);

}  // namespace pfsbench::ior_like
