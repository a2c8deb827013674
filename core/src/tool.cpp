#include "pfsbench/tool.hpp"

#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "pfsbench/environment.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"
#include "pfsbench/version.hpp"

namespace pfsbench {

RunContext::RunContext(const Comm& c, CommonOptions opts, std::ostream& o)
    : comm(c), common(std::move(opts)), out(o), early_stop(c.raw()) {}

std::string RunContext::fmt_rank_message(const std::string& what) const {
  return fmt::format("rank {}: {}", comm.rank(), what);
}

void RunContext::check_interrupt(ExitCode& code, std::string& message) const {
  if (const int sig = interrupt_signal(); sig != 0) {
    code = ExitCode::kInterrupted;
    message = fmt_rank_message(fmt::format("interrupted by {}", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : strsignal(sig)));
  }
}

void RunContext::add_phase(Phase phase) {
  if (!comm.is_root()) return;
  result.phases.push_back(std::move(phase));
  checkpoint();
}

void RunContext::warn(const std::string& message) {
  if (!comm.is_root()) return;
  if (std::find(result.warnings.begin(), result.warnings.end(), message) == result.warnings.end())
    result.warnings.push_back(message);
}

void RunContext::checkpoint() {
  if (!comm.is_root() || common.json_path.empty() || common.json_path == "-") return;
  RunResult snapshot = result;
  snapshot.status = ExitCode::kInterrupted;
  snapshot.finished_at = iso8601_now();
  snapshot.warnings.push_back(
      "checkpoint: the run had not finished when this document was written; it holds the phases "
      "finished so far");
  // The schema requires an error record with status "interrupted": this is
  // the document left on disk when the job is killed before the final write.
  snapshot.errors.push_back(
      {"the run did not finish: this is a checkpoint written after the last finished phase", "interrupted"});
  try {
    write_document(snapshot, common.json_path);
  } catch (const Error& e) {
    // The final write will report it; a checkpoint never stops a run.
  }
}

namespace {

void print_root(const Comm& comm, std::ostream& os, const std::string& text) {
  if (comm.is_root()) os << text << std::flush;
}

}  // namespace

int tool_main(Tool& tool, int argc, char** argv) {
  MpiSession session(&argc, &argv);
  install_signal_handlers();
  Comm comm;
  const std::string name = tool.name();

  CLI::App app(tool.description(), name);
  app.footer(
      "Exit codes: 0 ok, 1 run-time failure, 2 usage error, 3 verification failure, 4 interrupted.\n"
      "Sizes take binary suffixes: 4k = 4KiB = 4096, 16m, 1g.");
  CommonOptions common;
  add_common_options(app, common, name);
  tool.add_options(app);
  std::map<std::string, std::string> tags;
  try {
    app.parse(argc, argv);
    tags = common.parsed_tags();
    tool.validate();
  } catch (const CLI::CallForHelp&) {
    print_root(comm, std::cout, app.help());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    print_root(comm, std::cout, app.help("", CLI::AppFormatMode::All));
    return 0;
  } catch (const CLI::CallForVersion&) {
    print_root(comm, std::cout, fmt::format("{} (pfsbench) {} git {}\n", name, kVersion, kGitRevision));
    return 0;
  } catch (const CLI::ParseError& e) {
    print_root(comm, std::cerr,
               usage_line(name, fmt::format("{}; run '{} --help' for the options", e.what(), name)) + "\n");
    return static_cast<int>(ExitCode::kUsage);
  } catch (const UsageError& e) {
    print_root(comm, std::cerr, usage_line(name, e.what()) + "\n");
    return static_cast<int>(ExitCode::kUsage);
  }

  std::ostream& out = common.json_path == "-" ? std::cerr : std::cout;
  RunContext ctx(comm, common, out);
  RunResult& r = ctx.result;
  r.tool = name;
  r.tool_version = kVersion;
  r.run_id = comm.is_root() ? make_run_id() : std::string();
  comm.bcast(r.run_id);
  r.started_at = iso8601_now();
  r.label = common.label;
  r.tags = tags;
  r.command_line.assign(argv, argv + argc);
  r.config = tool.config_json();
  ctx.layout = comm.node_layout();
  ctx.clock = synchronize_clocks(comm);
  r.environment = capture_environment(comm, ctx.layout, ctx.clock, tool.target_path());

  ExitCode code = ExitCode::kOk;
  try {
    tool.run(ctx);
  } catch (const CollectiveError& e) {
    code = e.code();
    if (comm.is_root())
      for (const auto& m : collapse_rank_messages(e.rank_messages())) r.errors.push_back({m, kind_name(code)});
  } catch (const std::exception& e) {
    // Not agreed: the other ranks may be inside a collective. Save what rank
    // 0 has, then end the job rather than hang it.
    std::cerr << usage_line(name, fmt::format("rank {}: internal error outside a collective step: {}",
                                              comm.rank(), e.what()))
              << std::endl;
    if (comm.is_root() && !common.json_path.empty()) {
      r.status = ExitCode::kRuntime;
      r.finished_at = iso8601_now();
      r.errors.push_back({e.what(), "runtime"});
      try {
        write_document(r, common.json_path);
      } catch (...) {
      }
    }
    MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
  }
  if (code == ExitCode::kOk && r.verification.status() == "failed") code = ExitCode::kVerify;
  r.status = code;
  r.finished_at = iso8601_now();

  if (comm.is_root()) {
    if (!common.quiet) tool.report(ctx, out);
    print_diagnostics(r, name, std::cerr);
    if (!common.json_path.empty()) {
      try {
        write_document(r, common.json_path);
      } catch (const Error& e) {
        std::cerr << usage_line(name, e.what()) << std::endl;
        if (code == ExitCode::kOk) code = ExitCode::kRuntime;
      }
    }
  }
  // Rank 0 may have changed the code (document not writable): share it.
  int code_int = static_cast<int>(code);
  comm.bcast(code_int);
  return code_int;
}

}  // namespace pfsbench
