// The HDF5 backend's options, registered whether or not HDF5 is built in,
// so a line that uses them is refused with the reason (not "unknown option").
#include "backends/backends.hpp"
#include "pfsbench/cli.hpp"

namespace pfsbench::ior_like {

void add_hdf5_options(CLI::App& app, BackendOptions& o) {
  const char* group = "HDF5 backend options (-a HDF5)";
  app.add_flag("--hdf5.collectiveMetadata", o.hdf5.collective_metadata,
               "Collective metadata reads and writes (H5Pset_all_coll_metadata_ops, H5Pset_coll_metadata_write)")
      ->group(group);
  add_size_option(app, "--hdf5.setAlignment", o.hdf5.alignment_bytes,
                  "H5Pset_alignment of objects of at least this size (0: HDF5's default)", true)
      ->group(group);
  add_size_option(app, "--hdf5.chunkSize", o.hdf5.chunk_bytes, "Chunked datasets of this many bytes (0: contiguous)", true)
      ->group(group);
  app.add_flag("--hdf5.noFill", o.hdf5.no_fill, "No fill value written at dataset creation (H5D_FILL_TIME_NEVER)")
      ->group(group);
  app.add_option("--hdf5.hintsFileName", o.hdf5.hints_file, "MPI-IO hints file for the file access property list")
      ->group(group);
  app.add_flag("--hdf5.showHints", o.hdf5.show_hints, "Print the MPI-IO hints in effect after open (rank 0)")
      ->group(group);
}

}  // namespace pfsbench::ior_like
