#include "ior_tool.hpp"

#include <iostream>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "backends/hdf5_info.hpp"
#include "console.hpp"
#include "ior_output.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/rank_stats.hpp"
#include "run.hpp"

namespace pfsbench::ior_like {

std::string IorTool::description() const {
  return "ior_like: IOR's bandwidth test (shared file N-to-1, or file per process with -F).\n"
         "IOR's short flags keep their IOR meaning, e.g.: ior_like -w -r -k -Z -b 256g -t 16m -i 2 -o /gpfs/f\n"
         "Headline bandwidth = all bytes of all ranks / (latest close - earliest open), as IOR.";
}

void IorTool::adjust_common(CommonOptions& common) const {
  // -O summaryFormat=JSON|CSV without summaryFile: IOR's format on stdout,
  // our human text on stderr (as with --json -), so stdout parses.
  if (!writes_ior_to_stdout()) return;
  if (common.json_path == "-")
    throw UsageError(fmt::format("--json - and -O summaryFormat={} both want stdout; give one of them a file "
                                 "(--json PATH or -O summaryFile=PATH)",
                                 cfg_.summary_format == "json" ? "JSON" : "CSV"));
  common.stdout_is_data = true;
}

bool IorTool::writes_ior_to_stdout() const {
  return cfg_.summary_file.empty() && (cfg_.summary_format == "json" || cfg_.summary_format == "csv");
}

void IorTool::write_outputs(const RunContext& ctx) const {
  if (cfg_.summary_format.empty() && cfg_.summary_file.empty()) return;
  const RunResult& r = ctx.result;
  std::string text;
  if (cfg_.summary_format == "json")
    text = ior_json(r, cfg_).dump(2) + "\n";
  else if (cfg_.summary_format == "csv")
    text = ior_csv(r, cfg_);
  else {
    // IOR's default text: the per-iteration table, the Max lines, the summary.
    text = ior_table_header();
    for (const Phase& p : r.phases)
      if (p.name == "write" || p.name == "read") text += ior_table_row(p, cfg_);
    text += ior_max_lines(r) + ior_summary_block(r, cfg_);
  }
  if (cfg_.summary_file.empty()) {
    if (cfg_.summary_format == "default") return;  // the console already has it
    std::cout << text << std::flush;
  } else {
    write_file_atomic(cfg_.summary_file, text);
  }
}

namespace {

// -N: the first N ranks run the test on a communicator of their own, the
// others wait. Every rank then meets in one step, where an agreed failure
// of the ranks that did I/O becomes the run's (exit code and messages), so
// the idle ranks never return before them and never hang.
void run_on_first_ranks(const Config& cfg, RunContext& ctx, IoBackend& backend) {
  ctx.step([&] {
    if (cfg.num_tasks > ctx.comm.size())
      throw UsageError(fmt::format("-N {} asks for more ranks than the job has ({}); lower -N or start more ranks",
                                   cfg.num_tasks, ctx.comm.size()));
  });
  ExitCode code = ExitCode::kOk;
  std::string message;
  const OwnedComm owned = first_ranks(ctx.comm, cfg.num_tasks);
  if (owned.valid()) {
    const Comm comm(owned.raw());
    RunContext sub(comm, ctx.common, ctx.out);
    sub.result = ctx.result;  // rank 0 (rank 0 of both): the header is filled
    sub.layout = comm.node_layout();
    sub.clock = synchronize_clocks(comm);
    try {
      run(cfg, sub, backend);
    } catch (const CollectiveError& e) {
      code = e.code();
      for (const auto& m : collapse_rank_messages(e.rank_messages())) message += (message.empty() ? "" : "; ") + m;
    }
    if (comm.is_root()) ctx.result = std::move(sub.result);
  }
  ctx.step([&] {
    if (code != ExitCode::kOk && ctx.comm.is_root()) throw Error(code, message);
  });
}

}  // namespace

void IorTool::run(RunContext& ctx) {
  auto& software = ctx.result.environment["software"];
#ifdef PFSBENCH_HAVE_HDF5
  software["hdf5_version"] = hdf5_library_version();
  software["hdf5_parallel"] = true;
#else
  software["hdf5_version"] = nullptr;
  software["hdf5_parallel"] = nullptr;
#endif
  auto backend = make_backend(cfg_.api);
  if (cfg_.num_tasks > 0 && cfg_.num_tasks != ctx.comm.size())
    run_on_first_ranks(cfg_, ctx, *backend);
  else
    ior_like::run(cfg_, ctx, *backend);
}

void IorTool::report(const RunContext& ctx, std::ostream& out) const { print_summary(ctx.result, cfg_, out); }

}  // namespace pfsbench::ior_like
