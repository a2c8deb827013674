#pragma once
// The dio_batch Tool: options, checks before any I/O, the collective run
// (prepare, phase, verify) and the fio-style summary.

#include <optional>
#include <string>

#include "pfsbench/dio_align.hpp"
#include "config.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench::dio_batch {

class DioBatchTool : public Tool {
 public:
  std::string name() const override { return "dio_batch"; }
  std::string description() const override;
  void add_options(CLI::App& app) override;
  /// Checks the options and the O_DIRECT alignment of the target's
  /// filesystem (statx STATX_DIOALIGN, else the device's logical block
  /// size, else 4096). Throws UsageError; the same on every rank.
  void validate() override;
  nlohmann::json config_json() const override;
  std::string target_path() const override { return cfg_.path; }
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;

  const Config& config() const noexcept { return cfg_; }

 private:
  Config cfg_;
  DioAlignment align_;
  std::string fs_type_;
};

}  // namespace pfsbench::dio_batch
