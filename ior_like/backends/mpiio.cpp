// MPI-IO backend (IOR's MPIIO): MPI_File_write_at / read_at, or the
// collective _all calls with -c; -e is MPI_File_sync. Files are opened with
// MPI_ERRORS_RETURN so every failure comes back as a code, which becomes an
// IoError carrying MPI_Error_string's text. Counts never pass through an
// int: a transfer of 2 GiB or more is described by ByteRun's derived type.
#include <mpi.h>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/mpi_info.hpp"
#include "backends/posix_file.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/watchdog.hpp"

namespace pfsbench::ior_like {
namespace {

// The hints in effect on an open file (MPI_File_get_info), key -> value.
nlohmann::json hints_in_effect(MPI_File fh) {
  MPI_Info info = MPI_INFO_NULL;
  if (MPI_File_get_info(fh, &info) != MPI_SUCCESS) return nlohmann::json::object();
  nlohmann::json out = info_to_json(info);
  if (info != MPI_INFO_NULL) MPI_Info_free(&info);
  return out;
}

// A committed datatype freed on scope exit.
struct TypeGuard {
  MPI_Datatype type = MPI_DATATYPE_NULL;
  ~TypeGuard() {
    if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
  }
};

class MpiioFile final : public FileHandle {
 public:
  MpiioFile(MPI_File fh, const OpenRequest& req, MpiioComponent component)
      : fh_(fh), req_(req), component_(std::move(component)) {
    MPI_File_set_errhandler(fh_, MPI_ERRORS_RETURN);
  }
  ~MpiioFile() override { abandon(); }

  void write_at(const std::byte* buf, std::size_t size, std::uint64_t offset) override {
    move(buf, nullptr, size, offset);
  }

  void read_at(std::byte* buf, std::size_t size, std::uint64_t offset) override {
    move(nullptr, buf, size, offset);
  }

  void fsync() override { check(MPI_File_sync(fh_), "MPI_File_sync", -1, -1); }

  void close() override {
    MPI_File fh = fh_;
    fh_ = MPI_FILE_NULL;
    if (fh != MPI_FILE_NULL) check(MPI_File_close(&fh), "MPI_File_close", -1, -1);
  }

  // MPI_File_close is collective and there is no local close: a rank that
  // cannot meet the others leaves the handle to MPI_Finalize / process exit.
  void abandon() noexcept override { fh_ = MPI_FILE_NULL; }

  nlohmann::json facts() const override { return facts_; }

  /// COLLECTIVE (file view, preallocation, hints read-back), after the
  /// open was agreed.
  void setup() override {
    const MpiioOptions opts = req_.options != nullptr ? req_.options->mpiio : MpiioOptions{};
    if (opts.use_file_view && !req_.layout.file_per_process) set_view();
    if (opts.preallocate && req_.mode == OpenMode::kWrite)
      check(MPI_File_preallocate(fh_, static_cast<MPI_Offset>(req_.layout.file_bytes())), "MPI_File_preallocate",
            -1, static_cast<std::int64_t>(req_.layout.file_bytes()));
    facts_ = {{"hints_requested", req_.hints},
              {"hints_in_effect", hints_in_effect(fh_)},
              {"io_component", component_.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(component_.name)},
              {"io_component_source", component_.source},
              {"collective", req_.collective},
              {"file_view", view_},
              {"preallocate", opts.preallocate && req_.mode == OpenMode::kWrite}};
  }

 private:
  // One view per rank over its own blocks (IOR's useFileView): the file is
  // a sequence of segments of `ranks` blocks, and this rank sees block
  // `data_rank` of each, back to back. Offsets are then view-relative.
  void set_view() {
    const Layout& l = req_.layout;
    const ByteRun block(l.block_bytes);
    TypeGuard contig, filetype;
    MPI_Type_contiguous(block.count(), block.type(), &contig.type);
    const auto extent = static_cast<MPI_Aint>(l.block_bytes * static_cast<std::uint64_t>(l.ranks));
    MPI_Type_create_resized(contig.type, 0, extent, &filetype.type);
    MPI_Type_commit(&filetype.type);
    const auto disp = static_cast<MPI_Offset>(static_cast<std::uint64_t>(req_.data_rank) * l.block_bytes);
    check(MPI_File_set_view(fh_, disp, MPI_BYTE, filetype.type, "native", MPI_INFO_NULL), "MPI_File_set_view", -1,
          -1);
    view_ = true;
  }

  // One transfer (a write from `out` or a read into `in`): the independent
  // or collective call, its error code, and the byte count it reports (a
  // short count is an error, never ignored).
  void move(const std::byte* out, std::byte* in, std::size_t size, std::uint64_t offset) {
    const bool writing = out != nullptr;
    const char* op = writing ? (req_.collective ? "MPI_File_write_at_all" : "MPI_File_write_at")
                             : (req_.collective ? "MPI_File_read_at_all" : "MPI_File_read_at");
    const ByteRun run(size);
    const MPI_Offset at = view_offset(offset);
    MPI_Status status;
    int rc = MPI_SUCCESS;
    // The hung-call watchdog (a collective call is already watched, with
    // --collective-timeout, by the phase loop: this is then a no-op).
    const IoWatch watch(op, req_.path, static_cast<std::int64_t>(offset));
    if (writing)
      rc = req_.collective ? MPI_File_write_at_all(fh_, at, out, run.count(), run.type(), &status)
                           : MPI_File_write_at(fh_, at, out, run.count(), run.type(), &status);
    else
      rc = req_.collective ? MPI_File_read_at_all(fh_, at, in, run.count(), run.type(), &status)
                           : MPI_File_read_at(fh_, at, in, run.count(), run.type(), &status);
    const auto off = static_cast<std::int64_t>(offset);
    const auto len = static_cast<std::int64_t>(size);
    check(rc, op, off, len);
    const std::uint64_t moved = size == 0 ? 0 : bytes_moved(status, run.type());
    if (moved == size) return;
    if (writing)
      throw IoError(op, req_.path, IoError::LibraryText{fmt::format("wrote {} of {} bytes", moved, size)}, req_.rank,
                    off, len);
    throw IoError(op, req_.path, IoError::LibraryText{fmt::format("end of file after {} of {} bytes", moved, size)},
                  req_.rank, off, len,
                  "the file is shorter than -b/-t/-s and the rank count expect: was it written with the same "
                  "parameters?");
  }

  MPI_Offset view_offset(std::uint64_t file_offset) const noexcept {
    if (!view_) return static_cast<MPI_Offset>(file_offset);
    const Layout& l = req_.layout;
    const std::uint64_t stride = l.block_bytes * static_cast<std::uint64_t>(l.ranks);
    const std::uint64_t seg = file_offset / stride;
    const std::uint64_t in_block = file_offset % stride - static_cast<std::uint64_t>(req_.data_rank) * l.block_bytes;
    return static_cast<MPI_Offset>(seg * l.block_bytes + in_block);
  }

  void check(int rc, const char* op, std::int64_t offset, std::int64_t size) const {
    if (rc != MPI_SUCCESS)
      throw IoError(op, req_.path, IoError::LibraryText{mpi_error_text(rc)}, req_.rank, offset, size);
  }

  MPI_File fh_;
  OpenRequest req_;
  MpiioComponent component_;
  bool view_ = false;
  nlohmann::json facts_;
};

class MpiioBackend final : public FileBackend {
 public:
  // Asked once, outside any timed window (MPI_T walks every control variable).
  MpiioBackend() : component_(mpiio_component()) {}
  std::string name() const override { return "mpiio"; }
  BackendCaps caps() const override { return find_backend("mpiio").caps; }

  std::unique_ptr<FileHandle> open(const Comm& file_comm, const OpenRequest& req) override {
    // Errors of MPI_File_open come back as codes, not as an abort.
    MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_RETURN);
    const InfoGuard info(req.hints);
    const int amode = req.mode == OpenMode::kWrite ? (MPI_MODE_CREATE | MPI_MODE_WRONLY) : MPI_MODE_RDONLY;
    MPI_File fh = MPI_FILE_NULL;
    const int rc = MPI_File_open(file_comm.raw(), req.path.c_str(), amode, info.get(), &fh);
    if (rc != MPI_SUCCESS) {
      std::string hint;
      int cls = 0;
      MPI_Error_class(rc, &cls);
      if (cls == MPI_ERR_NO_SUCH_FILE && req.mode == OpenMode::kRead)
        hint = "nothing to read: write it first (-w -k) or point -o at an existing file";
      throw IoError(req.mode == OpenMode::kWrite ? "MPI_File_open for write" : "MPI_File_open for read", req.path,
                    IoError::LibraryText{mpi_error_text(rc)}, req.rank, -1, -1, hint);
    }
    return std::make_unique<MpiioFile>(fh, req, component_);
  }

 private:
  MpiioComponent component_;
};

}  // namespace

std::unique_ptr<IoBackend> make_mpiio_backend() { return std::make_unique<MpiioBackend>(); }

void add_mpiio_options(CLI::App& app, BackendOptions& o) {
  const char* group = "MPIIO backend options (-a MPIIO)";
  app.add_option("--mpiio.hintsFileName", o.mpiio.hints_file,
                 "File of MPI-IO hints, one IOR_HINT__MPI__<key>=<value> per line (IOR's format); "
                 "IOR_HINT__MPI__ environment variables apply too")
      ->group(group);
  app.add_flag("--mpiio.showHints", o.mpiio.show_hints, "Print the hints in effect after open (rank 0)")
      ->group(group);
  app.add_flag("--mpiio.preallocate,-p", o.mpiio.preallocate, "MPI_File_preallocate the whole file after open")
      ->group(group);
  app.add_flag("--mpiio.useFileView,-V", o.mpiio.use_file_view,
               "One file view per rank over its own blocks (offsets become view-relative)")
      ->group(group);
}

}  // namespace pfsbench::ior_like
