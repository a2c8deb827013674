#pragma once
#include "config.hpp"
#include "pfsbench/tool.hpp"

namespace pfsbench::ior_like {

/// ior_like in the frame of tool_main.
class IorTool final : public Tool {
 public:
  std::string name() const override { return "ior_like"; }
  std::string description() const override;
  void add_options(CLI::App& app) override {
    app_ = &app;
    ior_like::add_options(app, cfg_);
  }
  void validate() override {
    if (app_ != nullptr) note_given_options(*app_, cfg_);
    apply_ior_options(cfg_);
    ior_like::validate(cfg_);
  }
  void adjust_common(CommonOptions& common) const override;
  nlohmann::json config_json() const override { return to_json(cfg_); }
  std::string target_path() const override { return cfg_.path; }
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;
  /// -O summaryFormat / summaryFile: IOR's JSON, CSV or text, to the file
  /// (atomically) or to stdout. Throws IoError naming the file.
  void write_outputs(const RunContext& ctx) const override;
  const Config& config() const noexcept { return cfg_; }

 private:
  bool writes_ior_to_stdout() const;

 public:

 private:
  Config cfg_;
  const CLI::App* app_ = nullptr;
};

}  // namespace pfsbench::ior_like
