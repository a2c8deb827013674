#pragma once
// POSIX helpers shared by the POSIX and MMAP backends (as IOR's MMAP reuses
// its POSIX calls): opening with a clear error, unlink, lstat.
#include <string>

#include "backend.hpp"

namespace pfsbench::ior_like {

/// open(2) for a phase: kWrite creates without truncating (IOR), kRead is
/// read-only; `extra_flags` adds e.g. O_DIRECT or O_RDWR for a mapping.
/// Returns the fd. Throws IoError naming the path, the errno and the fix.
int posix_open(const OpenRequest& request, int extra_flags, bool odirect);

/// unlink(2) that tolerates a missing file; never follows a symlink.
void posix_remove(const std::string& path, int rank);

/// lstat(2) == 0: a symlink counts as existing.
bool posix_exists(const std::string& path);

/// A backend whose files are plain files of a POSIX filesystem (all but
/// null): removal and existence through the helpers above. MPI_File_delete
/// would unlink underneath too; plain unlink keeps "never follow a
/// symlink" obvious and needs no MPI.
class FileBackend : public IoBackend {
 public:
  void remove(const std::string& path, int rank) override { posix_remove(path, rank); }
  bool exists(const std::string& path) override { return posix_exists(path); }
};

}  // namespace pfsbench::ior_like
