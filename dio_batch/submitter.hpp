#pragma once
// The engine seam (after fio's ioengine_ops): one loop drives every engine.
//
//   queue(unit)  -> kCompleted  the engine did the I/O synchronously (psync);
//                               the result is in `result`, the slot is free again
//                   kQueued     staged; it goes to the kernel at the next commit()
//                   kBusy       no room now: commit(), reap() and try again
//   commit()     -> hands every staged unit to the kernel (io_submit, io_uring_submit)
//   reap(min)    -> waits for at least `min` completions, returns up to out.size()
//
// Engines never exit and never throw from queue/commit/reap: system errors
// come back as negative errno values so the loop can drain what is in
// flight before it reports. One engine object per open file and phase; it
// owns its kernel context (aio context, ring) and nothing else: buffers
// belong to the loop, one per in-flight slot.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pfsbench::dio_batch {

/// What an engine can do; the driver checks options against it (one clear
/// usage error) before any I/O.
struct EngineCaps {
  unsigned max_depth = 1;       ///< requests in flight at most (psync: 1)
  bool async = false;           ///< queue() returns kQueued (else always kCompleted)
  bool fixed_buffers = false;   ///< can register the slot buffers (io_uring)
};

/// One request. The buffer is the slot's own, never shared while in flight.
struct IoUnit {
  std::byte* buf = nullptr;
  std::uint64_t offset = 0;
  std::uint32_t len = 0;
  std::uint32_t slot = 0;
};

struct Completion {
  std::uint32_t slot = 0;
  std::int64_t result = 0;  ///< bytes transferred, or -errno
};

enum class QueueStatus { kCompleted, kQueued, kBusy };

class Submitter {
 public:
  virtual ~Submitter() = default;
  /// kCompleted sets `result` (bytes or -errno).
  virtual QueueStatus queue(const IoUnit& unit, std::int64_t& result) noexcept = 0;
  /// Submits the staged units; returns how many were accepted (a prefix of
  /// the staged ones, in queue order; the rest stay staged) or -errno.
  virtual int commit() noexcept = 0;
  /// Waits for at least `min` completions; returns how many were stored in
  /// `out`, or -errno.
  virtual int reap(unsigned min, std::span<Completion> out) noexcept = 0;
  /// Before the buffers go: cancels what is in flight and waits for it,
  /// at most `timeout_s`, discarding the completions. Returns how many
  /// requests may still be in flight (0: the buffers may be freed). The
  /// loop calls it whenever it ends with requests in flight (a failed reap,
  /// an exception), so an engine's destructor never meets a request that
  /// could still write into a freed buffer.
  virtual unsigned quiesce(double timeout_s) noexcept = 0;
};

struct EngineSetup {
  int fd = -1;
  bool write = true;
  unsigned depth = 1;
  bool fixed_buffers = false;
  std::span<const std::span<std::byte>> buffers;  ///< one per slot, index = slot
};

/// Makes the engine of a phase; tests substitute one (a reap that fails).
using EngineFactory = std::function<std::unique_ptr<Submitter>(const EngineSetup&)>;

/// Engines of this build, in the order --help lists them.
std::vector<std::string> available_engines();
/// Capabilities of a built engine (name from available_engines()).
EngineCaps engine_caps(const std::string& name);
/// Creates an engine. Throws IoError (setup failed: io_setup, ring init,
/// buffer registration) naming `path` and `rank`.
std::unique_ptr<Submitter> make_engine(const std::string& name, const EngineSetup& setup,
                                       const std::string& path, int rank);

// One factory per engine file.
std::unique_ptr<Submitter> make_psync(const EngineSetup& setup, const std::string& path);
#ifdef PFSBENCH_HAVE_LIBAIO
std::unique_ptr<Submitter> make_libaio(const EngineSetup& setup, const std::string& path, int rank);
#endif
#ifdef PFSBENCH_HAVE_URING
std::unique_ptr<Submitter> make_uring(const EngineSetup& setup, const std::string& path, int rank);
#endif

}  // namespace pfsbench::dio_batch
