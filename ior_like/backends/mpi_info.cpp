#include "backends/mpi_info.hpp"

namespace pfsbench::ior_like {

nlohmann::json info_to_json(MPI_Info info) {
  nlohmann::json out = nlohmann::json::object();
  if (info == MPI_INFO_NULL) return out;
  int nkeys = 0;
  MPI_Info_get_nkeys(info, &nkeys);
  for (int i = 0; i < nkeys; ++i) {
    char key[MPI_MAX_INFO_KEY + 1];
    MPI_Info_get_nthkey(info, i, key);
    int len = 0, flag = 0;
    MPI_Info_get_valuelen(info, key, &len, &flag);
    if (!flag) continue;
    std::string value(static_cast<std::size_t>(len) + 1, '\0');
    MPI_Info_get(info, key, len + 1, value.data(), &flag);
    value.resize(static_cast<std::size_t>(len));
    out[key] = value;
  }
  return out;
}

InfoGuard::InfoGuard(const std::map<std::string, std::string>& hints) {
  if (hints.empty()) return;
  MPI_Info_create(&info_);
  for (const auto& [k, v] : hints) MPI_Info_set(info_, k.c_str(), v.c_str());
}

InfoGuard::~InfoGuard() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (info_ != MPI_INFO_NULL && !finalized) MPI_Info_free(&info_);
}

}  // namespace pfsbench::ior_like
