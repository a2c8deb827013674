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

#include <cstdint>
#include <memory>
#include <string>

#include "checksum.hpp"
#include "config.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/tool.hpp"

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
  void prepare_file(RunContext& ctx);
  void create_file(RunContext& ctx);
  void remove_created(RunContext& ctx) noexcept;
  void warn_if_bound(RunContext& ctx);  // COLLECTIVE
  void run_phase(RunContext& ctx, Api api, int threads, int iteration);

  Config cfg_;
  std::uint64_t page_bytes_ = 4096;
  std::uint64_t file_bytes_ = 0;  ///< bytes read: --size, or the existing file's size
  bool created_ = false;          ///< rank 0: this run created the file
  std::string fs_type_;
  std::unique_ptr<DataPattern> pattern_;
  std::unique_ptr<PatternSum> expected_;  ///< null for --existing files
};

}  // namespace pfsbench::mmap_read
