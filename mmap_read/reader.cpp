#include "reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "pfsbench/signals.hpp"
#include "pfsbench/sigbus.hpp"

namespace pfsbench::mmap_read {
namespace {

int advice_flag(Advice a) noexcept {
  switch (a) {
    case Advice::kNormal: return MADV_NORMAL;
    case Advice::kSequential: return MADV_SEQUENTIAL;
    case Advice::kRandom: return MADV_RANDOM;
    case Advice::kWillneed: return MADV_WILLNEED;
    case Advice::kHugepage: return MADV_HUGEPAGE;
  }
  return MADV_NORMAL;
}

void thread_faults(std::uint64_t& minor, std::uint64_t& major) noexcept {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  minor = static_cast<std::uint64_t>(ru.ru_minflt);
  major = static_cast<std::uint64_t>(ru.ru_majflt);
}

}  // namespace

Reader::Reader(ReaderTask task)
    : task_(std::move(task)), plan_(task_.slice, task_.unit_bytes, task_.access, task_.seed) {
  if (task_.api == Api::kPread && task_.unit_bytes > 0) {
    const std::size_t len = static_cast<std::size_t>(
        (task_.unit_bytes + task_.page_bytes - 1) / task_.page_bytes * task_.page_bytes);
    buffer_ = AlignedBuffer(len, task_.page_bytes);  // faulted in now, not in the timed span
  }
}

Reader::~Reader() = default;

void Reader::touch(ReaderResult& r, const std::byte* data, const Unit& u) noexcept {
  if (task_.touch == Touch::kPage) {
    // The sum of the loaded bytes goes into the checksum field so the loads
    // stay; it is not reported for --touch page.
    r.checksum += touch_pages(data, u.length, task_.page_bytes);
    return;
  }
  const std::uint64_t s = sum64(data, u.length);
  r.checksum += s;
  if (task_.expected != nullptr && s != task_.expected->range(u.offset, u.length)) {
    if (r.bad_units++ == 0) {
      r.first_bad_offset = u.offset;
      r.first_bad_length = u.length;
    }
  }
}

void Reader::shrink_file() const {
  const int fd = ::open(task_.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw IoError("open (fault injection)", task_.path, errno, task_.rank);
  const int rc = ::ftruncate(fd, task_.shrink_to_bytes);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw IoError("ftruncate (fault injection)", task_.path, err, task_.rank);
}

std::string Reader::sigbus_message(int fd, std::uint64_t offset) const {
  struct stat st {};
  const std::string now = ::fstat(fd, &st) == 0 ? fmt::format("{} bytes", st.st_size) : std::string("unknown");
  return fmt::format(
      "rank {} thread {}: SIGBUS reading '{}' through mmap at offset {}: the file is now {} long, shorter than "
      "the {} bytes being read; it was truncated while mapped; make sure no other process shrinks or rewrites "
      "the file during the run",
      task_.rank, task_.thread, task_.path, offset, now, task_.file_bytes);
}

void Reader::run_mmap(ReaderResult& r, ReaderProgress& progress, int fd) {
  const int flags = MAP_SHARED | (task_.populate ? MAP_POPULATE : 0);
  const bool timed = plan_.count() > 0 && task_.unit_bytes >= kLatencyMinUnit;
  const std::uint64_t n = plan_.count();
  std::byte* whole = nullptr;
  if (task_.map == MapMode::kWhole) {
    if (task_.file_bytes == 0 || n == 0) return;
    void* p = ::mmap(nullptr, task_.file_bytes, PROT_READ, flags, fd, 0);
    if (p == MAP_FAILED)
      throw IoError("mmap", task_.path, errno, task_.rank, 0, static_cast<std::int64_t>(task_.file_bytes));
    whole = static_cast<std::byte*>(p);
    ++r.map_calls;
    if (task_.advice != Advice::kNormal && ::madvise(p, task_.file_bytes, advice_flag(task_.advice)) != 0) {
      const int err = errno;
      ::munmap(p, task_.file_bytes);
      throw IoError(fmt::format("madvise({})", name_of(task_.advice)), task_.path, err, task_.rank, 0,
                    static_cast<std::int64_t>(task_.file_bytes),
                    "this kernel or filesystem refuses that advice; try --madvise normal");
    }
    publish_window(whole, task_.file_bytes, 0);
  }
  if (task_.shrink_to_bytes >= 0) shrink_file();

  // Only memory stores that survive a siglongjmp are relied on after a
  // fault: the result struct is written through a reference (memory), and
  // the chunk mapping is known from the published window.
  const Fault fault = guarded([&] {
    std::uint64_t done = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (interrupt_requested()) {
        r.interrupted = true;
        break;
      }
      if (task_.stop != nullptr && task_.stop->load(std::memory_order_relaxed)) break;
      const Unit u = plan_.at(i);
      const std::uint64_t t0 = timed ? now_ns() : 0;
      if (whole != nullptr) {
        touch(r, whole + u.offset, u);
      } else {
        void* p = ::mmap(nullptr, u.length, PROT_READ, flags, fd, static_cast<off_t>(u.offset));
        if (p == MAP_FAILED)
          throw IoError("mmap", task_.path, errno, task_.rank, static_cast<std::int64_t>(u.offset),
                        static_cast<std::int64_t>(u.length));
        ++r.map_calls;
        const auto* base = static_cast<const std::byte*>(p);
        publish_window(base, u.length, u.offset);
        if (task_.advice != Advice::kNormal && ::madvise(p, u.length, advice_flag(task_.advice)) != 0) {
          const int err = errno;
          ::munmap(p, u.length);
          publish_window(nullptr, 0, 0);
          throw IoError(fmt::format("madvise({})", name_of(task_.advice)), task_.path, err, task_.rank,
                        static_cast<std::int64_t>(u.offset), static_cast<std::int64_t>(u.length),
                        "this kernel or filesystem refuses that advice; try --madvise normal");
        }
        touch(r, base, u);
        publish_window(nullptr, 0, u.offset + u.length);
        ::munmap(p, u.length);
      }
      if (timed) r.latency->record(now_ns() - t0);
      done += u.length;
      r.bytes = done;
      r.units = i + 1;
      progress.bytes.store(done, std::memory_order_relaxed);
    }
  });
  r.read_end_s = now_s();  // the headline span ends here; the final munmap is teardown
  if (whole != nullptr) ::munmap(whole, task_.file_bytes);
  if (fault.faulted) {
    if (whole == nullptr && window_base() != nullptr)
      ::munmap(const_cast<std::byte*>(window_base()), window_length());
    publish_window(nullptr, 0, 0);
    r.code = ExitCode::kRuntime;
    r.error = sigbus_message(fd, fault.file_offset);
  }
  publish_window(nullptr, 0, 0);
}

void Reader::run_pread(ReaderResult& r, ReaderProgress& progress, int fd) {
  const bool timed = task_.unit_bytes >= kLatencyMinUnit;
  const std::uint64_t n = plan_.count();
  std::uint64_t done = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (interrupt_requested()) {
      r.interrupted = true;
      break;
    }
    if (task_.stop != nullptr && task_.stop->load(std::memory_order_relaxed)) break;
    const Unit u = plan_.at(i);
    const std::uint64_t t0 = timed ? now_ns() : 0;
    std::uint64_t got = 0;
    while (got < u.length) {
      const ssize_t k = ::pread(fd, buffer_.data() + got, u.length - got, static_cast<off_t>(u.offset + got));
      if (k < 0) {
        if (errno == EINTR) continue;
        throw IoError("pread", task_.path, errno, task_.rank, static_cast<std::int64_t>(u.offset + got),
                      static_cast<std::int64_t>(u.length - got));
      }
      if (k == 0)
        throw IoError("pread", task_.path, EIO, task_.rank, static_cast<std::int64_t>(u.offset + got),
                      static_cast<std::int64_t>(u.length - got),
                      "end of file before the expected size: the file shrank during the run; make sure no "
                      "other process truncates it");
      got += static_cast<std::uint64_t>(k);
    }
    touch(r, buffer_.data(), u);
    if (timed) r.latency->record(now_ns() - t0);
    done += u.length;
    r.bytes = done;
    r.units = i + 1;
    progress.bytes.store(done, std::memory_order_relaxed);
  }
  r.read_end_s = now_s();
}

ReaderResult Reader::run(ReaderProgress& progress) noexcept {
  ReaderResult r;
  int fd = -1;
  try {
    r.latency = std::make_unique<LatencyHistogram>();
    std::uint64_t min0 = 0, maj0 = 0, min1 = 0, maj1 = 0;
    thread_faults(min0, maj0);
    r.span.start_s = now_s();
    fd = ::open(task_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError("open(O_RDONLY)", task_.path, errno, task_.rank);
    if (task_.api == Api::kMmap)
      run_mmap(r, progress, fd);
    else
      run_pread(r, progress, fd);
    ::close(fd);
    fd = -1;
    r.span.end_s = now_s();
    thread_faults(min1, maj1);
    r.minor_faults = min1 - min0;
    r.major_faults = maj1 - maj0;
  } catch (const Error& e) {
    r.code = e.code();
    r.error = e.what();
  } catch (const std::exception& e) {
    r.code = ExitCode::kRuntime;
    r.error = fmt::format("rank {} thread {}: {}", task_.rank, task_.thread, e.what());
  }
  if (fd >= 0) ::close(fd);
  if (r.span.end_s < r.span.start_s) r.span.end_s = now_s();
  // A reader that stopped before its loop ended (error, empty plan): its read span is its span.
  if (r.read_end_s < r.span.start_s || r.read_end_s > r.span.end_s) r.read_end_s = r.span.end_s;
  return r;
}

}  // namespace pfsbench::mmap_read
