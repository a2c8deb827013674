#pragma once
// mmap_read's configuration: what every reader does, and the lists that make
// one run a comparison (--threads 1,2,4 = a scaling table, --api mmap,pread
// = mmap against plain reads).

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace pfsbench::mmap_read {

enum class Api { kMmap, kPread };
enum class MapMode { kWhole, kChunk };
enum class Access { kSeq, kRandom };
enum class Advice { kNormal, kSequential, kRandom, kWillneed, kHugepage };
enum class Touch { kChecksum, kPage };
enum class CacheMode { kWarm, kCold };

const char* name_of(Api v) noexcept;
const char* name_of(MapMode v) noexcept;
const char* name_of(Access v) noexcept;
const char* name_of(Advice v) noexcept;
const char* name_of(Touch v) noexcept;
const char* name_of(CacheMode v) noexcept;

struct Config {
  std::string path;                           ///< -o
  std::uint64_t size_bytes = 0;               ///< --size (0 = not given: --existing uses the file's size)
  bool existing = false;                      ///< --existing: read the file as is, never modify it
  bool keep = false;                          ///< --keep: keep a file this run created
  std::vector<int> threads = {1};             ///< --threads: reader threads per rank, one phase each
  std::vector<Api> apis = {Api::kMmap};       ///< --api: one phase each
  MapMode map = MapMode::kWhole;              ///< --map
  std::uint64_t chunk_bytes = 16ull << 20;    ///< --chunk-size: the unit of access (see below)
  Access access = Access::kSeq;               ///< --access
  bool partition = false;                     ///< --partition: each reader reads its own slice
  Advice advice = Advice::kNormal;            ///< --madvise
  bool populate = false;                      ///< --populate: MAP_POPULATE
  Touch touch = Touch::kChecksum;             ///< --touch
  CacheMode cache = CacheMode::kWarm;         ///< --cache
  bool drop_caches = false;                   ///< --drop-caches (with --cache cold)
  int iterations = 1;                         ///< -i
  std::uint64_t seed = 0;                     ///< --seed: data pattern and random order
  /// Fault injection for tests: after reader 0 of rank 0 has mapped the
  /// file, the file is truncated to this size (only a file this run made).
  std::int64_t shrink_to_bytes = -1;
};

/// The unit of one access, in bytes: with --access random and --map whole a
/// page, otherwise the chunk size (the mapping size of --map chunk, the
/// distance between interrupt checks of a whole mapping). --api pread reads
/// the same units as mmap would, one pread each.
std::uint64_t unit_bytes(const Config& cfg, std::uint64_t page_bytes) noexcept;

/// Parses "1,2,4" into reader thread counts. Throws UsageError naming
/// --threads on junk, zero, duplicates or more than 1024 threads.
std::vector<int> parse_thread_list(const std::string& text);

/// Registers every option on `app`.
void add_options(CLI::App& app, Config& cfg);

/// Checks that need no filesystem; throws UsageError ("what, why, what to do").
void validate(const Config& cfg, std::uint64_t page_bytes);

/// Every resolved parameter, units in names.
nlohmann::json to_json(const Config& cfg, std::uint64_t page_bytes);

}  // namespace pfsbench::mmap_read
