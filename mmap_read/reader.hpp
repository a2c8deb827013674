#pragma once
// One reader: a thread that opens the file, reads its plan through mmap (or
// pread) and records its own span, bytes, faults and checksum. Readers never
// call MPI (MPI_THREAD_FUNNELED): the main thread reduces their results.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "pfsbench/aligned_buffer.hpp"
#include "checksum.hpp"
#include "config.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/histogram.hpp"
#include "pfsbench/timing.hpp"
#include "plan.hpp"

namespace pfsbench::mmap_read {

/// What one reader does in one phase.
struct ReaderTask {
  Api api = Api::kMmap;
  MapMode map = MapMode::kWhole;
  Advice advice = Advice::kNormal;
  bool populate = false;
  Touch touch = Touch::kChecksum;
  std::string path;
  std::uint64_t file_bytes = 0;      ///< bytes of the file that are read ([0, file_bytes))
  std::uint64_t page_bytes = 4096;
  std::uint64_t unit_bytes = 0;
  Slice slice;
  Access access = Access::kSeq;
  std::uint64_t seed = 0;            ///< this reader's order seed
  const PatternSum* expected = nullptr;  ///< null: checksum recorded, not verified
  std::int64_t shrink_to_bytes = -1; ///< fault injection: truncate after mapping (>= 0)
  int rank = 0;
  int thread = 0;
  /// Set by the rank's main thread when another reader or another rank
  /// failed: the reader leaves its loop (the phase is not kept). May be null.
  const std::atomic<bool>* stop = nullptr;
};

/// What one reader measured, on the local monotonic clock. Two spans with
/// the same start (before open):
///  - read_span() ends when the last unit has been read: open, mmap,
///    madvise, every page fault and load, and with --map chunk every
///    per-chunk munmap (a chunk's unmap is part of reading it). This is the
///    headline span, the same extent fio's mmap engine times (it never
///    unmaps its whole-file mapping before the job's runtime ends).
///  - span ends after the teardown: the final munmap of --map whole and the
///    close. On tmpfs with 4 KiB pages the munmap of a whole-file mapping
///    costs about a fifth of the reading itself; it is reported, not hidden.
struct ReaderResult {
  Interval span;
  double read_end_s = 0;              ///< the last unit read (before the final munmap and close)
  std::uint64_t bytes = 0;            ///< bytes read (touched)
  std::uint64_t units = 0;            ///< accesses done
  std::uint64_t map_calls = 0;        ///< mmap() calls (0 for pread)
  std::uint64_t minor_faults = 0;     ///< getrusage(RUSAGE_THREAD) delta over the span
  std::uint64_t major_faults = 0;
  std::uint64_t checksum = 0;         ///< sum64 of all bytes read (touch checksum)
  std::uint64_t bad_units = 0;        ///< units whose sum differs from the pattern's
  std::uint64_t first_bad_offset = 0;
  std::uint64_t first_bad_length = 0;
  bool interrupted = false;
  std::unique_ptr<LatencyHistogram> latency;  ///< per unit, when units are >= kLatencyMinUnit
  ExitCode code = ExitCode::kOk;      ///< kOk, or why the reader stopped
  std::string error;

  Interval read_span() const noexcept { return Interval{span.start_s, read_end_s}; }
  /// Final munmap (--map whole) and close, after the last unit.
  double teardown_s() const noexcept { return span.end_s - read_end_s; }
};

/// Units smaller than this are not timed one by one (two clock reads per
/// 4 KiB page would cost more than the read they time).
inline constexpr std::uint64_t kLatencyMinUnit = 64 * 1024;

/// Padded so that readers publishing progress never share a cache line.
struct alignas(64) ReaderProgress {
  std::atomic<std::uint64_t> bytes{0};
};

/// The part of a reader that can run before the start gate: builds the
/// plan and the pread buffer so that the timed span holds only the reading.
class Reader {
 public:
  explicit Reader(ReaderTask task);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();
  /// The timed part. Never throws: failures land in the result.
  ReaderResult run(ReaderProgress& progress) noexcept;

 private:
  void run_mmap(ReaderResult& r, ReaderProgress& progress, int fd);
  void run_pread(ReaderResult& r, ReaderProgress& progress, int fd);
  void touch(ReaderResult& r, const std::byte* data, const Unit& u) noexcept;
  /// True when the reader must stop before its next unit: a signal (then
  /// r.interrupted is set) or another reader's failure (task_.stop).
  bool stopping(ReaderResult& r) const noexcept;
  void shrink_file() const;
  std::string sigbus_message(int fd, std::uint64_t offset) const;

  ReaderTask task_;
  UnitPlan plan_;
  AlignedBuffer buffer_;  ///< pread only: one unit, page aligned
};

}  // namespace pfsbench::mmap_read
