#pragma once
// MPI-IO hints in IOR's formats. Pure functions: no MPI, no I/O.
//
// A hints file (--mpiio.hintsFileName, --hdf5.hintsFileName, IOR's -U)
// holds one hint per line, `IOR_HINT__MPI__<key>=<value>`; blank lines and
// lines starting with '#' are skipped. The environment gives the same
// lines as variables (IOR_HINT__MPI__romio_cb_write=enable). IOR's
// GPFS-layer hints (IOR_HINT__GPFS__...) set GPFS ioctls, which we do not
// issue: they are reported, never silently dropped.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pfsbench::ior_like {

struct Hints {
  std::map<std::string, std::string> mpi;   ///< key -> value, passed to MPI_File_open
  std::vector<std::string> ignored;         ///< IOR_HINT__GPFS__... lines, by name
};

/// Parses a hints file's text. `source` names it in errors. Throws
/// UsageError for a line that is not a hint (naming the file and line).
Hints parse_hints_file(std::string_view text, const std::string& source);

/// The IOR_HINT__ variables of an environment block (as `environ`).
Hints hints_from_environment(const char* const* envp);

/// `later` over `earlier`, key by key (the file overrides the environment,
/// as in IOR, where the file is read after the variables).
Hints merge_hints(Hints earlier, const Hints& later);

}  // namespace pfsbench::ior_like
