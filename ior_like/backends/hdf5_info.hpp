#pragma once
// The HDF5 library this binary runs with, for the document's environment.
#include <string>

namespace pfsbench::ior_like {

#ifdef PFSBENCH_HAVE_HDF5
/// "1.10.8" from H5get_libversion (the library loaded, not the headers).
std::string hdf5_library_version();
#endif

}  // namespace pfsbench::ior_like
