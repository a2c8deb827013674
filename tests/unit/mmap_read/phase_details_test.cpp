// The mmap_read details are serialised in one place: the mmap-only fields
// are null for the pread API, the checksum is hex or null when the readers
// disagree, residency fractions are exact.
#include "phase_details.hpp"

#include <gtest/gtest.h>

namespace pfsbench::mmap_read {
namespace {

using nlohmann::json;

MmapPhaseDetails sample() {
  MmapPhaseDetails d;
  d.ranks = 2;
  d.threads_per_rank = 2;
  d.readers = 4;
  d.file_bytes = 1000;
  d.unit_bytes = 100;
  d.page_cache.before = {250, 500, {}};
  d.page_cache.after = {1000, 1000, {}};
  return d;
}

TEST(MmapPhaseDetails, PreadHasNoMapOrAdvice) {
  MmapPhaseDetails d = sample();
  d.api = Api::kPread;
  d.populate = true;
  const json j = to_json(d);
  EXPECT_EQ(j["api"], "pread");
  EXPECT_EQ(j["map"], json(nullptr));
  EXPECT_EQ(j["madvise"], json(nullptr));
  EXPECT_EQ(j["populate"], false);
  d.api = Api::kMmap;
  const json m = to_json(d);
  EXPECT_EQ(m["map"], "whole");
  EXPECT_EQ(m["madvise"], "normal");
  EXPECT_EQ(m["populate"], true);
}

TEST(MmapPhaseDetails, PageCacheAndResidency) {
  MmapPhaseDetails d = sample();
  d.page_cache.cache = CacheMode::kCold;
  d.page_cache.fadvise_dontneed = true;
  d.page_cache.drop_caches = DropState::kNotPermitted;
  EXPECT_EQ(to_json(d)["page_cache"], json::parse(R"({"cache": "cold", "warm_read_s": null, "fadvise_dontneed": true,
      "drop_caches": "not_permitted",
      "before": {"resident_bytes": 250, "resident_fraction": 0.25, "max_resident_fraction": 0.5},
      "after": {"resident_bytes": 1000, "resident_fraction": 1.0, "max_resident_fraction": 1.0}})"));
}

TEST(MmapPhaseDetails, ChecksumHexOrNull) {
  MmapPhaseDetails d = sample();
  EXPECT_EQ(to_json(d)["checksum"], json(nullptr));  // --touch page
  d.checksum = ChecksumDetails{0xabcull, true, true, 0};
  EXPECT_EQ(to_json(d)["checksum"], json::parse(R"({"algorithm": "sum64", "file_sum64": "0x0000000000000abc",
      "readers_agree": true, "verified_against_pattern": true, "mismatched_units": 0})"));
  d.checksum = ChecksumDetails{std::nullopt, false, false, 3};
  EXPECT_EQ(to_json(d)["checksum"]["file_sum64"], json(nullptr));
  EXPECT_EQ(to_json(d)["checksum"]["mismatched_units"], 3);
}

TEST(MmapPhaseDetails, FaultsAndFullSpan) {
  MmapPhaseDetails d = sample();
  d.minor_faults = 7;
  d.major_faults = 1;
  d.time_per_fault_ns = 125.0;
  d.full_span_s = 2.0;
  d.full_span_bandwidth_bytes_per_s = 500.0;
  d.reader_duration_s = {1.0, 1.5, 2.0};
  const json j = to_json(d);
  EXPECT_EQ(j["faults"], json::parse(R"({"minor": 7, "major": 1})"));
  EXPECT_EQ(j["time_per_fault_ns"], 125.0);
  EXPECT_EQ(j["full_span"], json::parse(R"({"duration_s": 2.0, "bandwidth_bytes_per_s": 500.0})"));
  EXPECT_EQ(j["reader_duration_s"], json::parse(R"({"min": 1.0, "median": 1.5, "max": 2.0})"));
}

}  // namespace
}  // namespace pfsbench::mmap_read
