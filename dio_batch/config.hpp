#pragma once
// The resolved configuration of one dio_batch run. Option names follow fio
// where fio has the option (--bs, --iodepth, --size, --rw, --direct, --sync,
// --runtime, --time-based, --fixedbufs), so fio users feel at home.

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace pfsbench::dio_batch {

enum class Rw { kWrite, kRead, kRandWrite, kRandRead };
enum class Mode { kCreate, kOverwrite, kAppend };
/// fio's sync=: none (0), sync (1, O_SYNC), dsync (O_DSYNC).
enum class Sync { kNone, kSync, kDsync };
enum class Prealloc { kNone, kFallocate, kTruncate };

const char* rw_name(Rw rw) noexcept;
const char* mode_name(Mode m) noexcept;
const char* sync_name(Sync s) noexcept;
const char* prealloc_name(Prealloc p) noexcept;
inline bool is_write(Rw rw) noexcept { return rw == Rw::kWrite || rw == Rw::kRandWrite; }
inline bool is_random(Rw rw) noexcept { return rw == Rw::kRandWrite || rw == Rw::kRandRead; }

struct Config {
  std::string engine = "libaio";
  std::uint64_t bs_bytes = 32 * 1024;
  unsigned iodepth = 128;
  /// Requests handed to the kernel per submit call (fio's
  /// iodepth_batch_submit, default 1 as in fio); 0 = every request staged so
  /// far in one call. Larger batches save syscalls but make io_submit plug
  /// the block layer across the batch, which on ext4 makes extending
  /// (synchronous) DIO writes wait for each other.
  unsigned batch_submit = 1;
  std::uint64_t size_bytes = 1ull << 30;  ///< per rank
  Rw rw = Rw::kWrite;
  Mode mode = Mode::kCreate;
  Prealloc prealloc = Prealloc::kNone;
  Sync sync = Sync::kNone;     ///< --sync: O_SYNC (fio sync=1), --sync=dsync: O_DSYNC
  std::string sync_text;       ///< --sync's value as given ("" when absent), resolved by validate_basic
  bool replace_existing = false;  ///< --mode create may empty a file that existed before the run
  bool fsync_at_end = false;   ///< fsync before close, inside the timed span
  bool direct = true;          ///< O_DIRECT
  std::string path = "dio_batch.dat";
  bool shared = false;         ///< one file, rank r at r * size
  bool time_based = false;
  double runtime_s = 0;        ///< with time_based: how long to keep going
  bool verify = false;
  bool fixedbufs = false;      ///< io_uring: registered buffers
  double interval_s = 0.1;     ///< width of a throughput time-series bucket
  bool keep = false;           ///< keep the file(s) this run created (-k, as ior_like)

  /// The file a rank works on: path, or path.<rank> (file per rank).
  std::string file_of(int rank) const;
  /// First byte a rank touches, relative to the region base of its file.
  std::uint64_t rank_offset(int rank) const noexcept { return shared ? static_cast<std::uint64_t>(rank) * size_bytes : 0; }
};

/// Registers the options into `cfg`.
void add_options(CLI::App& app, Config& cfg);

/// Checks what does not depend on the filesystem. Throws UsageError
/// ("<what>, <why>, <what to do>"). Identical on every rank.
void validate_basic(const Config& cfg);
/// Resolves --sync's text into cfg.sync and checks --replace-existing.
/// Throws UsageError. Identical on every rank.
void resolve_sync(Config& cfg);

/// Every resolved parameter, units in names.
nlohmann::json to_json(const Config& cfg);

}  // namespace pfsbench::dio_batch
