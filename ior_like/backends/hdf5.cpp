// HDF5 backend (IOR's HDF5 layout) on parallel HDF5 through the MPI-IO
// driver: one 1-D dataset of bytes per segment, holding the blocks of all
// ranks in rank order (for -F, one rank's block), so the dataset index and
// the offset inside it follow from IOR's file offset of a transfer. Each
// transfer is one H5Dwrite/H5Dread of a hyperslab, collective with -c.
// A rank with nothing to move in a collective call selects nothing.
//
// One dataset is open at a time: the set-up creates (or opens) segment 0,
// and begin_segment() closes it and creates (opens) the next, in segment
// order, when the phase loop reaches it (H5Dcreate2 and H5Dclose are
// collective: the loop makes every rank call it in the same order). A run
// of -s 10000000 thus never holds ten million datasets open, and a phase
// cut short by -D creates only the segments it reached.
//
// HDF5 prints its error stack to stderr by default; here it is captured
// and put in the IoError's message instead, one line, with the rank.
#include <hdf5.h>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/mpi_info.hpp"
#include "backends/posix_file.hpp"
#include "backends/hdf5_info.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/watchdog.hpp"

namespace pfsbench::ior_like {
namespace {

// Collects the current HDF5 error stack as "fn: message; fn: message".
herr_t walk_error(unsigned n, const H5E_error2_t* e, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n > 0) *out += "; ";
  *out += fmt::format("{}: {}", e->func_name ? e->func_name : "?", e->desc ? e->desc : "?");
  return 0;
}

std::string error_stack() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_error, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? std::string("HDF5 reported a failure without an error stack") : text;
}

class Hdf5File final : public FileHandle {
 public:
  Hdf5File(const OpenRequest& req, MpiioComponent component) : req_(req), component_(std::move(component)) {}
  ~Hdf5File() override { abandon(); }

  /// COLLECTIVE over `comm`: the file create/open only (the first step of
  /// open; the datasets are setup()'s).
  void open(const Comm& comm) {
    const Hdf5Options& o = req_.options != nullptr ? req_.options->hdf5 : Hdf5Options{};
    fapl_ = H5Pcreate(H5P_FILE_ACCESS);
    const InfoGuard info(req_.hints);  // H5Pset_fapl_mpio keeps its own copy
    check(H5Pset_fapl_mpio(fapl_, comm.raw(), info.get()), "H5Pset_fapl_mpio");
    if (o.collective_metadata) {
      check(H5Pset_all_coll_metadata_ops(fapl_, true), "H5Pset_all_coll_metadata_ops");
      check(H5Pset_coll_metadata_write(fapl_, true), "H5Pset_coll_metadata_write");
    }
    if (o.alignment_bytes > 0) check(H5Pset_alignment(fapl_, o.alignment_bytes, o.alignment_bytes), "H5Pset_alignment");
    const bool writing = req_.mode == OpenMode::kWrite;
    file_ = writing ? H5Fcreate(req_.path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl_)
                    : H5Fopen(req_.path.c_str(), H5F_ACC_RDONLY, fapl_);
    if (file_ < 0) fail(writing ? "H5Fcreate" : "H5Fopen", -1, -1);
    dxpl_ = H5Pcreate(H5P_DATASET_XFER);
    check(H5Pset_dxpl_mpio(dxpl_, req_.collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT), "H5Pset_dxpl_mpio");
  }

  /// COLLECTIVE: segment 0's dataset, after the open was agreed.
  void setup() override {
    const Hdf5Options& o = req_.options != nullptr ? req_.options->hdf5 : Hdf5Options{};
    dcpl_ = H5Pcreate(H5P_DATASET_CREATE);
    if (o.chunk_bytes > 0) {
      const hsize_t chunk[1] = {std::min<hsize_t>(o.chunk_bytes, dataset_bytes())};
      check(H5Pset_chunk(dcpl_, 1, chunk), "H5Pset_chunk");
    }
    if (o.no_fill) check(H5Pset_fill_time(dcpl_, H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
    open_dataset(0);
    if (req_.mode == OpenMode::kRead) check_dataset_size();
    record_facts(o);
  }

  /// COLLECTIVE: closes the open segment's dataset and creates (writes,
  /// the first time) or opens the one of `segment`. Writes create in
  /// segment order only; a later pass (-O minTimeDuration) reopens.
  void begin_segment(std::uint64_t segment) override {
    if (segment == current_) return;
    const bool writing = req_.mode == OpenMode::kWrite;
    if (writing && segment > created_)
      throw IoError("H5Dcreate2 " + dataset_name(segment), req_.path,
                    IoError::LibraryText{fmt::format("segment {} is asked for before segment {}", segment, created_)},
                    req_.rank, -1, -1, "datasets are created in segment order (an internal error: please report it)");
    close_dataset();
    open_dataset(segment);
  }

  void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) override {
    select(size, offset);
    const IoWatch watch("H5Dwrite", req_.path, static_cast<std::int64_t>(offset));  // no-op inside a collective
    if (H5Dwrite(dataset_, H5T_NATIVE_UCHAR, memspace_, space_, dxpl_, buf) < 0)
      fail("H5Dwrite", static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size));
  }

  void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) override {
    select(size, offset);
    const IoWatch watch("H5Dread", req_.path, static_cast<std::int64_t>(offset));  // no-op inside a collective
    if (H5Dread(dataset_, H5T_NATIVE_UCHAR, memspace_, space_, dxpl_, buf) < 0)
      fail("H5Dread", static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size));
  }

  void fsync() override {
    if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) fail("H5Fflush", -1, -1);
  }

  // Closes everything, in reverse order; the first failure is reported
  // after all closes were attempted, so every rank makes the same calls.
  void close() override {
    bool ok = true;
    if (space_ >= 0) ok &= H5Sclose(std::exchange(space_, H5I_INVALID_HID)) >= 0;
    if (dataset_ >= 0) ok &= H5Dclose(std::exchange(dataset_, H5I_INVALID_HID)) >= 0;
    if (memspace_ >= 0) ok &= H5Sclose(std::exchange(memspace_, H5I_INVALID_HID)) >= 0;
    if (dcpl_ >= 0) ok &= H5Pclose(std::exchange(dcpl_, H5I_INVALID_HID)) >= 0;
    if (dxpl_ >= 0) ok &= H5Pclose(std::exchange(dxpl_, H5I_INVALID_HID)) >= 0;
    if (fapl_ >= 0) ok &= H5Pclose(std::exchange(fapl_, H5I_INVALID_HID)) >= 0;
    if (file_ >= 0) ok &= H5Fclose(std::exchange(file_, H5I_INVALID_HID)) >= 0;
    if (!ok) fail("H5Fclose", -1, -1);
  }

  // Closing datasets and files is collective in parallel HDF5: a rank that
  // cannot meet the others leaves them open (the process is about to exit
  // with the agreed failure). Local objects (property lists) are freed.
  void abandon() noexcept override {
    if (dcpl_ >= 0) H5Pclose(std::exchange(dcpl_, H5I_INVALID_HID));
    if (dxpl_ >= 0) H5Pclose(std::exchange(dxpl_, H5I_INVALID_HID));
    if (fapl_ >= 0) H5Pclose(std::exchange(fapl_, H5I_INVALID_HID));
  }

  nlohmann::json facts() const override { return facts_; }

 private:
  std::uint64_t dataset_bytes() const noexcept {
    const Layout& l = req_.layout;
    return l.file_per_process ? l.block_bytes : l.block_bytes * static_cast<std::uint64_t>(l.ranks);
  }

  static std::string dataset_name(std::uint64_t segment) { return fmt::format("segment_{:06}", segment); }

  // COLLECTIVE for a create. Creates (writes, the next segment) or opens
  // segment `seg`'s dataset and makes it the current one.
  void open_dataset(std::uint64_t seg) {
    const std::string name = dataset_name(seg);
    const bool create = req_.mode == OpenMode::kWrite && seg == created_;
    hid_t d = H5I_INVALID_HID;
    if (create) {
      const hsize_t dims[1] = {dataset_bytes()};
      const hid_t space = H5Screate_simple(1, dims, nullptr);
      d = H5Dcreate2(file_, name.c_str(), H5T_NATIVE_UCHAR, space, H5P_DEFAULT, dcpl_, H5P_DEFAULT);
      H5Sclose(space);
    } else {
      d = H5Dopen2(file_, name.c_str(), H5P_DEFAULT);
    }
    if (d < 0) fail(create ? "H5Dcreate " + name : "H5Dopen " + name, -1, -1);
    dataset_ = d;
    space_ = H5Dget_space(d);
    current_ = seg;
    if (create) ++created_;
  }

  // COLLECTIVE (H5Dclose of a dataset this file modified).
  void close_dataset() {
    bool ok = true;
    if (space_ >= 0) ok &= H5Sclose(std::exchange(space_, H5I_INVALID_HID)) >= 0;
    if (dataset_ >= 0) ok &= H5Dclose(std::exchange(dataset_, H5I_INVALID_HID)) >= 0;
    if (!ok) fail("H5Dclose " + dataset_name(current_), -1, -1);
  }

  void check_dataset_size() {
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space_, dims, nullptr);
    if (dims[0] != dataset_bytes())
      throw IoError("H5Dopen segment_000000", req_.path,
                    IoError::LibraryText{fmt::format("the dataset holds {} bytes, the layout needs {}", dims[0],
                                                     dataset_bytes())},
                    req_.rank, -1, -1, "was it written with the same -b, -s and rank count?");
  }

  // Selects `size` bytes at IOR file offset `offset` in the current
  // segment's dataset (nothing when size is 0), and sizes the memory space
  // to match. A transfer outside the current segment is a driver bug.
  void select(std::size_t size, std::uint64_t offset) {
    const std::uint64_t per = dataset_bytes();
    const hsize_t start[1] = {offset % per};
    const hsize_t count[1] = {size};
    if (size == 0) {
      H5Sselect_none(space_);
    } else if (offset / per != current_) {
      throw IoError("H5Sselect_hyperslab", req_.path,
                    IoError::LibraryText{fmt::format("the offset lies in segment {}, but segment {} is open",
                                                     offset / per, current_)},
                    req_.rank, static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size),
                    "an internal error of the phase loop: please report it");
    } else if (H5Sselect_hyperslab(space_, H5S_SELECT_SET, start, nullptr, count, nullptr) < 0) {
      fail("H5Sselect_hyperslab", static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size));
    }
    if (memspace_ < 0 || memspace_bytes_ != size) {
      if (memspace_ >= 0) H5Sclose(memspace_);
      const hsize_t dims[1] = {size == 0 ? 1 : size};
      memspace_ = H5Screate_simple(1, dims, nullptr);
      if (size == 0) H5Sselect_none(memspace_);
      memspace_bytes_ = size;
    }
  }

  void record_facts(const Hdf5Options& o) {
    nlohmann::json hints = nlohmann::json::object();
    const hid_t used = H5Fget_access_plist(file_);
    MPI_Comm comm = MPI_COMM_NULL;
    MPI_Info info = MPI_INFO_NULL;
    if (used >= 0 && H5Pget_fapl_mpio(used, &comm, &info) >= 0) {
      hints = info_to_json(info);
      if (info != MPI_INFO_NULL) MPI_Info_free(&info);
      if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
    }
    if (used >= 0) H5Pclose(used);
    facts_ = {{"hdf5_version", hdf5_library_version()},
              {"datasets", req_.layout.segments},
              {"dataset_bytes", dataset_bytes()},
              {"collective", req_.collective},
              {"collective_metadata", o.collective_metadata},
              {"chunk_bytes", o.chunk_bytes},
              {"no_fill", o.no_fill},
              {"hints_requested", req_.hints},
              {"hints_in_effect", hints},
              {"io_component", component_.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(component_.name)},
              {"io_component_source", component_.source}};
  }

  void check(herr_t rc, const char* op) {
    if (rc < 0) fail(op, -1, -1);
  }

  [[noreturn]] void fail(const std::string& op, std::int64_t offset, std::int64_t size) {
    throw IoError(op, req_.path, IoError::LibraryText{error_stack()}, req_.rank, offset, size);
  }

  OpenRequest req_;
  MpiioComponent component_;
  hid_t fapl_ = H5I_INVALID_HID, file_ = H5I_INVALID_HID, dxpl_ = H5I_INVALID_HID, memspace_ = H5I_INVALID_HID;
  hid_t dcpl_ = H5I_INVALID_HID;  // the datasets' creation properties (chunking, fill), for every create
  hid_t dataset_ = H5I_INVALID_HID, space_ = H5I_INVALID_HID;  // the current segment's
  std::uint64_t current_ = 0;  // the current segment
  std::uint64_t created_ = 0;  // writes: datasets created so far (segments 0 .. created_ - 1)
  std::size_t memspace_bytes_ = 0;
  nlohmann::json facts_;
};

class Hdf5Backend final : public FileBackend {
 public:
  // HDF5 would print every error stack to stderr; we capture them instead.
  // MPI_T walks every control variable: asked once, outside any timed window.
  Hdf5Backend() : component_(mpiio_component()) { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
  std::string name() const override { return "hdf5"; }
  BackendCaps caps() const override { return find_backend("hdf5").caps; }
  std::unique_ptr<FileHandle> open(const Comm& file_comm, const OpenRequest& req) override {
    auto file = std::make_unique<Hdf5File>(req, component_);
    file->open(file_comm);
    return file;
  }

 private:
  MpiioComponent component_;
};

}  // namespace

std::unique_ptr<IoBackend> make_hdf5_backend() { return std::make_unique<Hdf5Backend>(); }

}  // namespace pfsbench::ior_like

namespace pfsbench::ior_like {

std::string hdf5_library_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("{}.{}.{}", major, minor, release);
}

}  // namespace pfsbench::ior_like
