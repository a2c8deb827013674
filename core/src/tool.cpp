#include "pfsbench/tool.hpp"

#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <atomic>
#include <ctime>
#include <memory>
#include <iterator>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "pfsbench/environment.hpp"
#include "pfsbench/node_watch.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/shared_target.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"
#include "pfsbench/version.hpp"
#include "pfsbench/watchdog.hpp"

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
  {
    const std::lock_guard lock(*result_mutex);
    result.phases.push_back(std::move(phase));
  }
  checkpoint();
}

void RunContext::warn(const std::string& message) {
  if (!comm.is_root()) return;
  const std::lock_guard lock(*result_mutex);
  if (std::find(result.warnings.begin(), result.warnings.end(), message) == result.warnings.end())
    result.warnings.push_back(message);
}

void RunContext::checkpoint() {
  if (!comm.is_root() || common.json_path.empty() || common.json_path == "-") return;
  RunResult snapshot;
  {
    const std::lock_guard lock(*result_mutex);
    snapshot = result;
  }
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
  } catch (const std::exception& e) {
    // The final write will report it; a checkpoint never stops a run
    // (add_phase runs outside any step: an exception here would end the
    // job in MPI_Abort).
  }
}

namespace {

// Rank 0: the document as failed, with the phases finished so far and
// `message`; the job is about to be aborted. Runs on rank 0's main thread
// (a report from a stuck rank) or on its watchdog thread while the main
// thread is stuck (so nothing changes ctx.result meanwhile).
void write_failed(RunContext& ctx, const std::string& message) {
  if (!ctx.comm.is_root() || ctx.common.json_path.empty() || ctx.common.json_path == "-") return;
  RunResult r;
  {
    const std::lock_guard lock(*ctx.result_mutex);
    r = ctx.result;
  }
  r.status = ExitCode::kRuntime;
  r.finished_at = iso8601_now();
  r.errors.push_back({message, "runtime"});
  try {
    write_document(r, ctx.common.json_path);
  } catch (...) {  // the last checkpoint stays; the abort follows anyway
  }
}

// The watchdog of one tool_main: what a stuck call does.
struct StuckHandling {
  RunContext* ctx = nullptr;
  std::string tool;
  std::string host;
  WatchdogReports* reports = nullptr;
};
StuckHandling g_stuck;

std::string stuck_message(const StuckCall& s, int rank, const std::string& host) {
  const std::string where = s.offset >= 0 ? fmt::format(" at offset {}", s.offset) : std::string();
  const std::string advice =
      !s.advice.empty()
          ? s.advice
          : "the filesystem stopped answering (a server, the network or a storage target); the job is aborted "
            "rather than left hanging; check the filesystem from that host, or raise --io-timeout if the call is "
            "only slow";
  return fmt::format("rank {} on {}: {} on '{}'{} has not returned after {:.0f} s (limit {:g} s): {}", rank, host,
                     s.call, s.path, where, s.waited_s, s.limit_s, advice);
}

std::string host_name() {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int len = 0;
  MPI_Get_processor_name(name, &len);
  return std::string(name, static_cast<std::size_t>(std::max(len, 0)));
}

// The tool's cleanup after a stuck collective call, on a thread of its own
// and waited for at most 5 s: the filesystem under the stuck call may hang
// the unlink too, and nothing may keep the job from ending.
void bounded_cleanup(RunContext& ctx) {
  if (!ctx.on_collective_stuck) return;
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread([fn = ctx.on_collective_stuck, done] {
    try {
      fn();
    } catch (...) {
    }
    done->store(true);
  }).detach();
  const timespec step{0, 10'000'000};
  for (int i = 0; i < 500 && !done->load(); ++i) nanosleep(&step, nullptr);
}

// Reports carry one leading letter: 'C' a collective library call (the
// filesystem still answers: clean up), 'S' a system call (it may not).
constexpr char kCollectiveReport = 'C', kSyscallReport = 'S';

// On the monitor thread of the rank whose call is stuck. The document (or
// the report to rank 0) comes first; the cleanup, which may hang, after.
void on_stuck(const StuckCall& s) {
  RunContext& ctx = *g_stuck.ctx;
  const std::string message = stuck_message(s, ctx.comm.rank(), g_stuck.host);
  std::fprintf(stderr, "%s\n", usage_line(g_stuck.tool, message).c_str());
  std::fflush(stderr);
  if (ctx.comm.is_root()) {
    write_failed(ctx, message);
  } else if (g_stuck.reports != nullptr) {
    // Rank 0 writes the document before the abort: it answers within
    // milliseconds when it waits for us or runs an I/O loop, and within one
    // limit when it is inside a watched call itself (then its own watchdog
    // writes). Bounded, so a rank 0 that never answers cannot hold the job.
    g_stuck.reports->send_and_wait((s.collective ? kCollectiveReport : kSyscallReport) + message,
                                   std::max(s.limit_s, 5.0));
  }
  if (s.collective) bounded_cleanup(ctx);
}

void print_root(const Comm& comm, std::ostream& os, const std::string& text) {
  if (comm.is_root()) os << text << std::flush;
}

// Parses and validates the command line, the same on every rank (no
// collective). Returns the exit code when the program ends here: --help,
// --version, or a usage error (printed once, by rank 0).
std::optional<int> parse_command_line(Tool& tool, CLI::App& app, CommonOptions& common, const Comm& comm,
                                      int argc, char** argv, std::map<std::string, std::string>& tags) {
  const std::string name = tool.name();
  try {
    std::vector<std::string> args = tool.rewrite_args(split_short_equals(argc, argv));
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse
    app.parse(args);
    tags = common.parsed_tags();
    tool.validate();
    tool.adjust_common(common);
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
  return std::nullopt;
}

// The resolved parameters and the watchdog's limit (which guards the run
// and is left out of the workload's identity by scripts/compare). Again
// after check_target: a probe there (dio_batch's alignment) fills config.
void record_config(const Tool& tool, RunContext& ctx) {
  ctx.result.config = tool.config_json();
  ctx.result.config["io_timeout_s"] = ctx.common.io_timeout_s;
}

// COLLECTIVE. The document's header: run id (rank 0's), times, command
// line, config, node layout, clock offsets and environment.
void start_result(RunContext& ctx, const Tool& tool, std::map<std::string, std::string> tags, int argc,
                  char** argv) {
  RunResult& r = ctx.result;
  r.tool = tool.name();
  r.tool_version = kVersion;
  r.run_id = ctx.comm.is_root() ? make_run_id() : std::string();
  ctx.comm.bcast(r.run_id);
  r.started_at = iso8601_now();
  r.label = ctx.common.label;
  r.tags = std::move(tags);
  r.command_line.assign(argv, argv + argc);
  record_config(tool, ctx);
  ctx.layout = ctx.comm.node_layout();
  ctx.clock = synchronize_clocks(ctx.comm);
  r.environment = capture_environment(ctx.comm, ctx.layout, ctx.clock, tool.target_path());
}

// COLLECTIVE. Runs the tool; an agreed failure becomes the exit code and
// the error records. Anything else escaped a step (a bug): the other ranks
// may be inside a collective, so rank 0 saves what it has and the job ends.
ExitCode run_agreed(Tool& tool, RunContext& ctx) {
  RunResult& r = ctx.result;
  try {
    // Checks that can differ per rank, agreed: never a usage error on some
    // ranks while the others wait in a collective.
    try {
      ctx.step([&] { tool.check_target(); });
      if (!ctx.common.local_target) check_shared_target(ctx, tool.target_path());
    } catch (const CollectiveError&) {
      if (ctx.comm.is_root()) record_config(tool, ctx);
      throw;
    }
    if (ctx.comm.is_root()) record_config(tool, ctx);
    tool.run(ctx);
  } catch (const CollectiveError& e) {
    if (ctx.comm.is_root())
      for (const auto& m : collapse_rank_messages(e.rank_messages())) r.errors.push_back({m, kind_name(e.code())});
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << usage_line(tool.name(), fmt::format("rank {}: internal error outside a collective step: {}",
                                                     ctx.comm.rank(), e.what()))
              << std::endl;
    if (ctx.comm.is_root() && !ctx.common.json_path.empty()) {
      r.status = ExitCode::kRuntime;
      r.finished_at = iso8601_now();
      r.errors.push_back({e.what(), "runtime"});
      try {
        write_document(r, ctx.common.json_path);
      } catch (...) {
      }
    }
    MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
  }
  return ExitCode::kOk;
}

// Rank 0: the table, the diagnostics and the final document. Returns the
// exit code, runtime when the document could not be written.
ExitCode finish_on_root(const Tool& tool, RunContext& ctx, ExitCode code) {
  RunResult& r = ctx.result;
  if (!ctx.common.quiet) {
    // Before the tool's table: IO500 and site parsers read the table's last
    // lines (pfind's MATCHED, IOR's Finished), so nothing may follow it.
    ctx.out << "placement: " << placement_text(ctx.layout.node_of_rank, ctx.layout.hosts) << '\n';
    tool.report(ctx, ctx.out);
    ctx.out << std::flush;
  }
  print_diagnostics(r, tool.name(), std::cerr);
  try {
    tool.write_outputs(ctx);
  } catch (const Error& e) {
    std::cerr << usage_line(tool.name(), e.what()) << std::endl;
    if (code == ExitCode::kOk) code = ExitCode::kRuntime;
  }
  if (ctx.common.json_path.empty()) return code;
  try {
    write_document(r, ctx.common.json_path);
  } catch (const std::exception& e) {
    std::cerr << usage_line(tool.name(), e.what()) << std::endl;
    if (code == ExitCode::kOk) return ExitCode::kRuntime;
  }
  return code;
}

}  // namespace


void service_watchdog_reports() {
  if (g_stuck.reports == nullptr || g_stuck.ctx == nullptr || !g_stuck.ctx->comm.is_root()) return;
  const std::string report = g_stuck.reports->poll();
  if (report.empty()) return;
  write_failed(*g_stuck.ctx, report.substr(1));
  g_stuck.reports->confirm();
  if (report[0] == kCollectiveReport) bounded_cleanup(*g_stuck.ctx);
  MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
}

namespace {

// Installs the watchdog for the run and removes it after (RAII).
class WatchdogScope {
 public:
  WatchdogScope(RunContext& ctx, const std::string& tool) : reports_(ctx.comm.raw()) {
    g_stuck.ctx = &ctx;
    g_stuck.tool = tool;
    g_stuck.host = host_name();
    g_stuck.reports = &reports_;
    if (ctx.comm.is_root()) set_wait_service(&service_watchdog_reports);
    dog_.emplace(ctx.common.io_timeout_s, &on_stuck);
  }
  ~WatchdogScope() {
    dog_.reset();
    set_wait_service(nullptr);
    g_stuck = StuckHandling{};
  }

 private:
  WatchdogReports reports_;
  std::optional<IoWatchdog> dog_;
};

// Rank 0's watch thread, once: the nodes whose watcher went without a word.
std::string lost_nodes_message(const RunContext& ctx, const std::vector<LostPeer>& lost) {
  const auto ranges = node_rank_ranges(ctx.layout.node_of_rank, ctx.layout.hosts.size());
  std::vector<std::string> parts;
  for (const auto& p : lost) {
    if (p.id >= ctx.layout.hosts.size()) continue;
    parts.push_back(fmt::format("node {} (ranks {}): its first rank {} {:.1f} s into the run", ctx.layout.hosts[p.id],
                                ranges[p.id], p.how, p.after_s));
  }
  return fmt::format(
      "lost {} before the run finished: {}; the process was killed or crashed, or the node went down or was cut off "
      "from rank 0's node; the job is ended, and the phases finished before are kept; see the launcher's and the "
      "node's logs (dmesg, the OOM killer, slurmd)",
      parts.size() == 1 ? "a node" : fmt::format("{} nodes", parts.size()), fmt::join(parts, "; "));
}

// COLLECTIVE. On more than one node, rank 0 watches the first rank of every
// other node over TCP (node_watch.hpp) for as long as the scope lives.
class NodeWatchScope {
 public:
  NodeWatchScope(RunContext& ctx, const std::string& tool) {
    const NodeLayout& layout = ctx.layout;
    if (layout.node_count < 2 || !ctx.common.node_watch) return;
    std::string where;  // rank 0: "PORT ADDR ADDR ...", "" when it cannot listen
    if (ctx.comm.is_root()) {
      try {
        server_.emplace(ctx.result.run_id);
        server_->start([&ctx, tool](const std::vector<LostPeer>& lost) {
          const std::string message = lost_nodes_message(ctx, lost);
          std::fprintf(stderr, "%s\n", usage_line(tool, message).c_str());
          std::fflush(stderr);
          write_failed(ctx, message);
          MpiSession::abort(static_cast<int>(ExitCode::kRuntime));
        });
        where = fmt::format("{} {}", server_->port(), fmt::join(local_ipv4_addresses(), " "));
      } catch (const Error& e) {
        std::cerr << usage_line(tool, fmt::format("{}; a lost node will not be named", e.what())) << std::endl;
        server_.reset();
      }
    }
    ctx.comm.bcast(where);
    const int root_node = layout.node_of_rank.empty() ? 0 : layout.node_of_rank.front();
    const bool watcher = layout.local_rank == 0 && layout.node_index != root_node;
    std::uint64_t unwatched = 0;
    if (!where.empty() && watcher) {
      std::istringstream in(where);
      unsigned port = 0;
      in >> port;
      std::vector<std::string> addresses{std::istream_iterator<std::string>(in), {}};
      client_.emplace(addresses, static_cast<std::uint16_t>(port), ctx.result.run_id,
                      static_cast<std::uint32_t>(layout.node_index));
      if (client_->connected()) client_->publish(); else unwatched = 1;
    }
    const auto all = ctx.comm.gather(unwatched);
    if (ctx.comm.is_root() && !where.empty()) {
      std::vector<std::string> hosts;
      for (std::size_t r = 0; r < all.size(); ++r)
        if (all[r] != 0) hosts.push_back(layout.hosts[static_cast<std::size_t>(layout.node_of_rank[r])]);
      if (!hosts.empty())
        std::cerr << usage_line(tool, fmt::format("node watch: {} cannot open a TCP connection to rank 0's node; a "
                                                  "lost node will not be named (use --no-node-watch to skip)",
                                                  fmt::join(hosts, ", ")))
                  << std::endl;
    }
  }

 private:
  std::optional<NodeWatchServer> server_;
  std::optional<NodeWatchClient> client_;
};

}  // namespace

int tool_main(Tool& tool, int argc, char** argv) {
  std::optional<MpiSession> session;
  try {
    session.emplace(&argc, &argv);
  } catch (const Error& e) {
    std::cerr << usage_line(tool.name(), e.what()) << std::endl;
    return static_cast<int>(e.code());
  }
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
  if (const auto done = parse_command_line(tool, app, common, comm, argc, argv, tags)) return *done;

  std::ostream& out = common.json_path == "-" || common.stdout_is_data ? std::cerr : std::cout;
  RunContext ctx(comm, common, out);
  start_result(ctx, tool, std::move(tags), argc, argv);
  ExitCode code = ExitCode::kOk;
  {
    const WatchdogScope watchdog(ctx, name);  // COLLECTIVE (its report channel)
    const NodeWatchScope node_watch(ctx, name);  // COLLECTIVE
    code = run_agreed(tool, ctx);
  }
  if (code == ExitCode::kOk && ctx.result.verification.status() == "failed") code = ExitCode::kVerify;
  ctx.result.status = code;
  ctx.result.finished_at = iso8601_now();
  if (comm.is_root()) code = finish_on_root(tool, ctx, code);
  // Rank 0 may have changed the code (document not writable): share it.
  int code_int = static_cast<int>(code);
  comm.bcast(code_int);
  return code_int;
}

}  // namespace pfsbench
