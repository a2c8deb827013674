#pragma once
// The dio_batch Tool: options, checks before any I/O, the collective run
// (prepare, timed phase, reduce, verify, cleanup) and the fio-style summary.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "block_device.hpp"
#include "config.hpp"
#include "phase_details.hpp"
#include "pfsbench/dio_align.hpp"
#include "pfsbench/environment.hpp"
#include "pfsbench/tool.hpp"
#include "run_loop.hpp"

namespace pfsbench::dio_batch {

class DioBatchTool : public Tool {
 public:
  std::string name() const override { return "dio_batch"; }
  std::string description() const override;
  void add_options(CLI::App& app) override;
  /// Checks the options. Throws UsageError; the same on every rank.
  void validate() override;
  /// Per rank: the target's filesystem type and O_DIRECT alignment (statx
  /// STATX_DIOALIGN, else the device's logical block size, else 4096), and
  /// --bs/--size against it. Throws UsageError; agreed by tool_main.
  void check_target() override;
  nlohmann::json config_json() const override;
  std::string target_path() const override { return cfg_.path; }
  /// COLLECTIVE. Removes the file(s) this run created at the end unless
  /// --keep, also after a failure or a signal; never a file that existed.
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;

  const Config& config() const noexcept { return cfg_; }

 private:
  /// What the block device saw around the phase (node leaders only).
  struct DeviceSample {
    std::optional<BlockDevice> dev;
    std::optional<DiskCounters> before, after;
  };

  void prepare_files(RunContext& ctx);                       // COLLECTIVE
  PhaseSpec phase_spec(RunContext& ctx) const;
  RankPhaseResult timed_phase(RunContext& ctx, const PhaseSpec& spec, DeviceSample& sample);  // COLLECTIVE
  void reduce_phase(RunContext& ctx, RankPhaseResult& rr, const DeviceSample& sample);        // COLLECTIVE
  void verify(RunContext& ctx, const PhaseSpec& spec, std::uint64_t blocks_done);             // COLLECTIVE
  void remove_created(RunContext& ctx);                      // COLLECTIVE

  Config cfg_;
  DioAlignment align_;
  std::string fs_type_;
  std::string path_;                 ///< this rank's file
  bool i_create_ = false;            ///< this rank created path_ (it did not exist before the run)
  std::uint64_t region_base_ = 0;    ///< where this run's region starts in the file (append: past the old end)
  std::uint64_t laid_out_ = 0;       ///< bytes laid out untimed before the phase
  std::vector<DioPhaseDetails> details_;  ///< rank 0: one per phase of ctx.result
  KernelLeaders device_readers_;     ///< who reads the device counters: one rank per machine
};

}  // namespace pfsbench::dio_batch
