#include "mmap_read_tool.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/units.hpp"
#include "plan.hpp"
#include "pfsbench/sigbus.hpp"

namespace pfsbench::mmap_read {

MmapReadTool::MmapReadTool() {
  const long page = ::sysconf(_SC_PAGESIZE);
  page_bytes_ = page > 0 ? static_cast<std::uint64_t>(page) : 4096;
}

std::string MmapReadTool::description() const {
  return "mmap_read: many readers (MPI ranks x --threads) reading the same file through mmap, cold or warm; "
         "aggregate and per-reader bandwidth, page faults, page-cache residency, and a scaling table";
}

void MmapReadTool::add_options(CLI::App& app) { mmap_read::add_options(app, cfg_); }

void MmapReadTool::validate() { mmap_read::validate(cfg_, page_bytes_); }

nlohmann::json MmapReadTool::config_json() const { return to_json(cfg_, page_bytes_); }

void MmapReadTool::run(RunContext& ctx) {
  try {
    prepare_file(ctx);
    warn_if_bound(ctx);
    for (int it = 0; it < cfg_.iterations; ++it)
      for (Api api : cfg_.apis)
        for (int t : cfg_.threads) run_phase(ctx, api, t, it);
  } catch (...) {
    remove_created(ctx);
    throw;
  }
  remove_created(ctx);
}

void MmapReadTool::create_file(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  // Rank 0 creates it (never over an existing file), every rank then writes
  // its page-aligned share of the pattern in parallel.
  ctx.step([&] {
    if (!comm.is_root()) return;
    const int fd = ::open(cfg_.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST)
        throw Error(ExitCode::kRuntime,
                    fmt::format("rank 0: '{}' already exists; mmap_read creates its test file and never overwrites "
                                "one; read it as it is with --existing, or remove it, or choose another -o",
                                cfg_.path));
      throw IoError("open(O_CREAT|O_EXCL)", cfg_.path, errno, 0, -1, -1,
                    "check that the directory exists and is writable");
    }
    created_ = true;
    const int rc = ::ftruncate(fd, static_cast<off_t>(cfg_.size_bytes));
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw IoError("ftruncate", cfg_.path, err, 0, -1, static_cast<std::int64_t>(cfg_.size_bytes));
  });
  ctx.step([&] {
    const Slice mine = reader_slice(cfg_.size_bytes, page_bytes_, comm.rank(), comm.size(), true);
    if (mine.bytes() == 0) return;
    const int fd = ::open(cfg_.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw IoError("open(O_WRONLY)", cfg_.path, errno, comm.rank());
    constexpr std::size_t kBuf = 1 << 20;
    std::vector<std::byte> storage(kBuf);
    PatternBuffer pb(*pattern_, storage);
    std::uint64_t off = mine.begin;
    try {
      while (off < mine.end) {
        if (interrupt_requested()) break;
        const std::size_t len = static_cast<std::size_t>(mine.end - off < kBuf ? mine.end - off : kBuf);
        const std::span<std::byte> data = len == kBuf ? pb.prepare(off) : std::span<std::byte>(storage.data(), len);
        if (len != kBuf) pattern_->fill(data, off);
        std::size_t put = 0;
        while (put < len) {
          const ssize_t n = ::pwrite(fd, data.data() + put, len - put, static_cast<off_t>(off + put));
          if (n < 0) {
            if (errno == EINTR) continue;
            throw IoError("pwrite", cfg_.path, errno, comm.rank(), static_cast<std::int64_t>(off + put),
                          static_cast<std::int64_t>(len - put));
          }
          put += static_cast<std::size_t>(n);
        }
        off += len;
      }
      if (::fsync(fd) != 0) throw IoError("fsync", cfg_.path, errno, comm.rank());
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  });
}

void MmapReadTool::prepare_file(RunContext& ctx) {
  const Comm& comm = ctx.comm;
  pattern_ = std::make_unique<DataPattern>(cfg_.seed);
  if (!cfg_.existing) expected_ = std::make_unique<PatternSum>(*pattern_);
  ctx.step([&] { install_sigbus_handler(); });
  if (!cfg_.existing) create_file(ctx);

  // Every rank opens the file read-only and checks it: it must be visible
  // and readable on every node, a regular file, and long enough.
  std::uint64_t local_size = 0;
  ctx.step([&] {
    const int fd = ::open(cfg_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw IoError("open(O_RDONLY)", cfg_.path, errno, comm.rank(), -1, -1,
                    cfg_.existing ? "--existing needs a readable file on every node"
                                  : "the file must be on a filesystem all ranks share");
    struct stat st {};
    const int rc = ::fstat(fd, &st);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw IoError("fstat", cfg_.path, err, comm.rank());
    if (!S_ISREG(st.st_mode))
      throw Error(ExitCode::kRuntime, fmt::format("rank {}: '{}' is not a regular file; mmap_read reads one "
                                                  "regular file; give a file path with -o",
                                                  comm.rank(), cfg_.path));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0)
      throw Error(ExitCode::kRuntime,
                  fmt::format("rank {}: '{}' is empty (0 bytes); there is nothing to read; give a file with data, "
                              "or drop --existing and pass --size to have one created",
                              comm.rank(), cfg_.path));
    if (cfg_.size_bytes > 0 && size < cfg_.size_bytes)
      throw Error(ExitCode::kRuntime,
                  fmt::format("rank {}: '{}' is {} bytes ({}), shorter than --size {} ({}); lower --size or omit "
                              "it to read the whole file",
                              comm.rank(), cfg_.path, size, format_bytes(size), cfg_.size_bytes,
                              format_bytes(cfg_.size_bytes)));
    local_size = cfg_.size_bytes > 0 ? cfg_.size_bytes : size;
  });
  const std::uint64_t max_size = comm.allreduce_max(local_size);
  const std::uint64_t min_size = ~comm.allreduce_max(~local_size);
  ctx.step([&] {
    if (comm.is_root() && max_size != min_size)
      throw Error(ExitCode::kRuntime,
                  fmt::format("rank 0: the ranks see '{}' with different sizes ({} to {} bytes): it is not one "
                              "shared file; put it on a filesystem every node shares",
                              cfg_.path, min_size, max_size));
  });
  file_bytes_ = max_size;
  if (comm.is_root()) fs_type_ = ctx.result.environment.value("target", nlohmann::json::object()).value("fs_type", "");
}

void MmapReadTool::warn_if_bound(RunContext& ctx) {
  // mpirun binds each rank to one core by default (with few ranks): all of
  // a rank's reader threads would then share that core.
  cpu_set_t set;
  CPU_ZERO(&set);
  std::uint64_t cpus = 0;
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  // Only a mask narrower than the machine counts: more threads than the
  // node has CPUs is the user's choice (oversubscription), not a binding.
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < online)
    cpus = static_cast<std::uint64_t>(CPU_COUNT(&set));
  else
    cpus = ~0ull >> 1;
  const std::uint64_t fewest = ~ctx.comm.allreduce_max(~cpus);
  const int most_threads = *std::max_element(cfg_.threads.begin(), cfg_.threads.end());
  if (fewest > 0 && fewest < static_cast<std::uint64_t>(most_threads))
    ctx.warn(fmt::format("a rank may run on only {} CPU(s) (its affinity mask) but runs up to {} reader threads, "
                         "which then share them; launch with 'mpirun --bind-to none' or give each rank as many "
                         "CPUs as threads (e.g. srun --cpus-per-task)",
                         fewest, most_threads));
}

void MmapReadTool::remove_created(RunContext& ctx) noexcept {
  if (!ctx.comm.is_root() || !created_ || cfg_.keep) return;
  created_ = false;
  if (::unlink(cfg_.path.c_str()) != 0 && errno != ENOENT)
    ctx.warn(fmt::format("could not remove the test file '{}': {}", cfg_.path, errno_text(errno)));
}

}  // namespace pfsbench::mmap_read
