#pragma once
// The typed `details` of an mmap_read phase: filled on rank 0, serialised
// to the document in one place (to_json, the schema's shape), read by the
// console table as a struct.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "pfsbench/stats.hpp"

namespace pfsbench::mmap_read {

/// Page-cache residency of the file over all ranks: min and max of each rank's view.
struct Residency {
  std::uint64_t min_bytes = 0;
  std::uint64_t max_bytes = 0;
  std::vector<std::uint64_t> node_bytes;  ///< rank 0: each node's view (its first rank's), in node order
};

/// One node's share of a phase: its readers and its page cache (each node
/// has its own client cache, so a cold read on one says nothing of another).
struct NodeFigures {
  std::string host;
  int readers = 0;  ///< ranks on the node x threads per rank
  std::uint64_t resident_before_bytes = 0, resident_after_bytes = 0;
};

enum class DropState : std::uint64_t { kNotAsked = 0, kDropped = 1, kNotPermitted = 2 };

struct PageCacheDetails {
  CacheMode cache = CacheMode::kWarm;
  std::optional<double> warm_read_s;  ///< warm: the untimed read that filled the cache
  bool fadvise_dontneed = false;
  DropState drop_caches = DropState::kNotAsked;
  Residency before, after;
};

struct ChecksumDetails {
  std::optional<std::uint64_t> file_sum64;  ///< absent when the readers disagree
  bool readers_agree = true;
  bool verified_against_pattern = false;
  std::uint64_t mismatched_units = 0;
};

struct MmapPhaseDetails {
  Api api = Api::kMmap;
  int ranks = 1, threads_per_rank = 1, readers = 1;
  MapMode map = MapMode::kWhole;  ///< (null in the document for pread)
  Access access = Access::kSeq;
  bool partition = false;
  Advice advice = Advice::kNormal;  ///< (null in the document for pread)
  bool populate = false;
  Touch touch = Touch::kChecksum;
  std::uint64_t file_bytes = 0, unit_bytes = 0, map_calls = 0;
  Distribution reader_bandwidth_bytes_per_s, reader_duration_s, reader_teardown_s;
  double full_span_s = 0;                           ///< up to the end of the final munmap and close
  std::optional<double> full_span_bandwidth_bytes_per_s;
  std::uint64_t minor_faults = 0, major_faults = 0;
  std::optional<double> time_per_fault_ns;          ///< --touch page only
  PageCacheDetails page_cache;
  std::optional<ChecksumDetails> checksum;          ///< --touch checksum only
  std::vector<NodeFigures> nodes;                  ///< per node, in the environment's hosts order
};

/// The document's shape (results/schema: mmap_read details).
nlohmann::json to_json(const MmapPhaseDetails& d);

}  // namespace pfsbench::mmap_read
