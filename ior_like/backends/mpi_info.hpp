#pragma once
// MPI_Info <-> hints, shared by the MPIIO and HDF5 backends.
#include <map>
#include <string>

#include <mpi.h>
#include <nlohmann/json.hpp>

namespace pfsbench::ior_like {

/// Every key of `info` with its value (empty object for MPI_INFO_NULL).
nlohmann::json info_to_json(MPI_Info info);

/// An MPI_Info holding `hints` (MPI_INFO_NULL when there are none), freed
/// when it goes out of scope.
class InfoGuard {
 public:
  explicit InfoGuard(const std::map<std::string, std::string>& hints);
  ~InfoGuard();
  InfoGuard(const InfoGuard&) = delete;
  InfoGuard& operator=(const InfoGuard&) = delete;
  MPI_Info get() const noexcept { return info_; }

 private:
  MPI_Info info_ = MPI_INFO_NULL;
};

}  // namespace pfsbench::ior_like
