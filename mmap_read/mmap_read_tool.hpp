#pragma once
// mmap_read: many readers (ranks x threads) reading ONE file through mmap,
// the workload behind a Spectrum Scale mmap lock fix. One phase per (api,
// reader threads) and iteration, all in one document.
//
// Numbers (defined here, computed in phase.cpp):
//  - a reader's span: its open .. close (mmap, madvise, the reads, munmap),
//    timed by the reader thread itself;
//  - a rank's span: earliest start .. latest end over its readers;
//  - the phase's duration_s: earliest start .. latest end over ranks (one
//    clock, reduce_spans); bandwidth_bytes_per_s = bytes of all readers /
//    duration_s; ops_per_s (units = pages or chunks) has the same denominator;
//  - per-reader bandwidth: a reader's bytes / its own span, min/median/max
//    over all readers of all ranks;
//  - faults: getrusage(RUSAGE_THREAD) minor/major deltas over each reader's
//    span, summed; time_per_fault_ns = sum of reader spans / faults, given
//    only with --touch page (otherwise the span is mostly copying, not
//    faulting).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checksum.hpp"
#include "config.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/tool.hpp"
#include "phase_details.hpp"
#include "reader.hpp"

namespace pfsbench::mmap_read {

class MmapReadTool : public Tool {
 public:
  MmapReadTool();
  std::string name() const override { return "mmap_read"; }
  std::string description() const override;
  void add_options(CLI::App& app) override;
  void validate() override;
  nlohmann::json config_json() const override;
  std::string target_path() const override { return cfg_.path; }
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;

  const Config& config() const noexcept { return cfg_; }

 private:
  /// One phase: which API, how many readers per rank, which iteration.
  struct PhaseKey {
    Api api = Api::kMmap;
    int threads = 1;
    int iteration = 0;
    std::string name;  ///< "mmap/threads=4"
  };
  struct CacheState {
    DropState drop = DropState::kNotAsked;
    double warm_s = 0;
  };
  /// What the readers of all ranks measured, reduced (valid on every rank
  /// unless noted).
  struct Reduction {
    std::vector<SpanStats> spans;  ///< [0] read spans (headline), [1] full spans
    std::uint64_t bytes = 0, units = 0, map_calls = 0, minor = 0, major = 0, bad_units = 0, reader_ns = 0;
    std::uint64_t sum_total = 0, sum_min = 0, sum_max = 0;  ///< checksums over all readers
    Distribution reader_bw, reader_duration, reader_teardown;  ///< rank 0
    LatencyHistogram hist;  ///< rank 0: merged
  };

  void prepare_file(RunContext& ctx);
  void create_file(RunContext& ctx);
  void remove_created(RunContext& ctx) noexcept;
  void warn_if_bound(RunContext& ctx);  // COLLECTIVE
  // One phase = cache preparation, readers built, the timed read, the
  // reductions, the record (phase.cpp). Every step but the last is COLLECTIVE.
  void run_phase(RunContext& ctx, const PhaseKey& key);
  CacheState prepare_cache(RunContext& ctx);
  Residency measure_residency(RunContext& ctx);
  std::vector<std::unique_ptr<Reader>> build_readers(RunContext& ctx, const PhaseKey& key,
                                                     const std::atomic<bool>& stop, std::uint64_t& my_bytes);
  std::vector<ReaderResult> run_readers(RunContext& ctx, const PhaseKey& key,
                                        std::vector<std::unique_ptr<Reader>>& readers, std::atomic<bool>& stop,
                                        std::uint64_t my_bytes);
  Reduction reduce_readers(RunContext& ctx, const std::vector<ReaderResult>& results);
  std::optional<RankedMismatch> locate_mismatch(RunContext& ctx, const std::vector<ReaderResult>& results);
  /// Rank 0: the Phase, its details, warnings and verification record.
  void record_phase(RunContext& ctx, const PhaseKey& key, const CacheState& cache, const Residency& before,
                    const Residency& after, Reduction& red, const std::optional<RankedMismatch>& mismatch);
  MmapPhaseDetails phase_details(const PhaseKey& key, const CacheState& cache, const Residency& before,
                                 const Residency& after, const Reduction& red) const;

  Config cfg_;
  std::uint64_t page_bytes_ = 4096;
  std::uint64_t file_bytes_ = 0;  ///< bytes read: --size, or the existing file's size
  bool created_ = false;          ///< rank 0: this run created the file
  std::string fs_type_;
  std::unique_ptr<DataPattern> pattern_;
  std::unique_ptr<PatternSum> expected_;  ///< null for --existing files
  std::vector<MmapPhaseDetails> details_;  ///< rank 0: one per phase of ctx.result
};

}  // namespace pfsbench::mmap_read
