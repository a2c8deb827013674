#pragma once
// find_like: a parallel walk of an existing tree (IO500's find phase, pfind;
// the namespace pass of a mirroring tool such as rsync). Read-only.
//
// Numbers (defined here, computed in find_like_tool.cpp):
//  - scanned entries: every entry tested, i.e. every directory entry below
//    the root (without "." and "..") plus the root itself;
//  - the walk's duration_s: earliest start over ranks (after a barrier) to
//    the latest moment a rank learnt the walk was over (one clock,
//    reduce_spans); it covers every open, getdents64, fstatat, the matching
//    and the work stealing;
//  - rate (ops_per_s) = scanned entries / duration_s;
//  - pfind's figures, printed in pfind's lines: "scanned files" = the
//    non-directory entries, and IO500's find score = files / duration_s /
//    1000 (kIOPS);
//  - per rank: entries scanned and idle time (no work in hand, between its
//    start and its end); latencies per open, getdents64 and fstatat call,
//    merged over ranks;
//  - --serial: the same walk by rank 0 alone; speedup = its duration_s /
//    the parallel walk's duration_s.

#include <optional>
#include <string>

#include "config.hpp"
#include "pfsbench/tool.hpp"
#include "walker.hpp"

namespace pfsbench::find_like {

class FindLikeTool : public Tool {
 public:
  std::string name() const override { return "find_like"; }
  std::string description() const override;
  void add_options(CLI::App& app) override { find_like::add_options(app, cfg_); }
  std::vector<std::string> rewrite_args(std::vector<std::string> args) const override {
    return rewrite_find_words(std::move(args));
  }
  void validate() override { find_like::validate(cfg_, false); }
  void adjust_common(CommonOptions& common) const override;
  nlohmann::json config_json() const override { return to_json(cfg_); }
  std::string target_path() const override { return cfg_.root; }
  void run(RunContext& ctx) override;
  void report(const RunContext& ctx, std::ostream& out) const override;

 private:
  void prepare(RunContext& ctx, WalkOptions& opts);  // COLLECTIVE
  int open_output(RunContext& ctx);                  // COLLECTIVE; the fd of the matched paths, -1 for none
  /// COLLECTIVE. One walk: parallel (every rank) or serial (rank 0 alone);
  /// records its phase; returns its duration (rank 0).
  double walk(RunContext& ctx, const WalkOptions& opts, bool serial, int out_fd);

  Config cfg_;
};

}  // namespace pfsbench::find_like
