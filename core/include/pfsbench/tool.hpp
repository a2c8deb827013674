#pragma once
// The frame every tool runs in: parse, validate, capture the environment,
// run, report, write the document, map the outcome to an exit code. A
// tool's main() is one line: `return pfsbench::tool_main(tool, argc, argv);`
//
// Failure protocol: every step that may fail on some ranks only runs inside
// RunContext::step(), which catches the error locally and then agrees on
// the outcome with one all-reduce (Comm::agree). A failing rank never leaves
// the others blocked: all ranks throw CollectiveError together, tool_main
// writes the document with the phases that finished and returns the exit
// code. Only an error thrown outside step() (a bug) ends in MPI_Abort.

#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "pfsbench/cli.hpp"
#include "pfsbench/early_stop.hpp"
#include "pfsbench/mpi.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/result.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {

/// Rank 0, main thread: when a stuck rank's watchdog report has arrived,
/// writes the document as failed with it and ends the job. Cheap when none
/// has (one MPI_Test); a no-op on other ranks and outside tool_main.
void service_watchdog_reports();

class RunContext {
 public:
  RunContext(const Comm& comm, CommonOptions common, std::ostream& out);

  const Comm& comm;
  CommonOptions common;
  std::ostream& out;          ///< human output (stdout, or stderr under --json -)
  RunResult result;           ///< meaningful on rank 0
  ClockSync clock;
  NodeLayout layout;
  /// Command line, tool name etc. go here too; tool_main fills them.

  bool quiet() const noexcept { return common.quiet; }
  /// Progress and tables are printed by rank 0 unless --quiet.
  bool verbose_root() const noexcept { return comm.is_root() && !common.quiet; }

  /// COLLECTIVE. Runs `fn` on every rank, then agrees on the outcome: when
  /// any rank threw (or a signal arrived), every rank throws CollectiveError.
  /// `fn` must be local (no collective calls): a rank that throws inside it
  /// skips whatever follows, and the agreement is the only meeting point.
  /// A rank that throws also tells the others at once (EarlyStop): their
  /// loops see stop_requested() and return early, so nobody finishes a long
  /// phase that has already failed.
  template <class Fn>
  void step(Fn&& fn) {
    run_step(fn, /*interrupt_ends_step=*/true);
  }
  /// COLLECTIVE. step(), except that a signal alone does not fail it: `fn`
  /// returns early with its partial work, which the caller records (e.g. a
  /// phase marked incomplete) before a later step() turns the signal into
  /// exit 4.
  template <class Fn>
  void step_keeping_interrupt(Fn&& fn) {
    run_step(fn, /*interrupt_ends_step=*/false);
  }

  /// For loops inside a step, main thread only: true when a signal arrived
  /// or another rank's step failed. Cheap: the MPI test behind it runs at
  /// most every 10 ms of `now_ns` (the loop's own clock read, CLOCK_MONOTONIC).
  bool stop_requested(std::uint64_t now_ns) {
    if (now_ns >= next_report_poll_ns_) {  // rank 0: a stuck rank's watchdog report
      next_report_poll_ns_ = now_ns + 10'000'000;
      service_watchdog_reports();
    }
    return interrupt_requested() || early_stop.poll(now_ns);
  }
  /// The same with a coarse clock of its own (for loops without a clock read).
  bool stop_requested() { return interrupt_requested() || early_stop.poll(); }

  /// When the last successful step's agreement completed (now_ns(), before
  /// the step's early-stop channel is disarmed): the end of a timed window
  /// whose closing barrier is that agreement.
  std::uint64_t last_agreement_ns() const noexcept { return agreement_ns_; }

  /// Rank 0: appends a finished phase and rewrites the document as a
  /// checkpoint (status "interrupted" until the run ends), so a job killed
  /// later still leaves every finished phase on disk.
  void add_phase(Phase phase);
  /// Rank 0: records a warning (printed to stderr at the end).
  void warn(const std::string& message);
  /// Rank 0: rewrites the document at --json (no-op for "-" or none).
  void checkpoint();

  /// Runs on the watchdog's thread when a collective library call is stuck
  /// (not for a stuck system call, whose filesystem would hang it too):
  /// removes what this rank created, by local calls only.
  std::function<void()> on_collective_stuck;

  /// Held while rank 0's main thread changes the phases or warnings, and
  /// while another thread (the watchdog's, the node watch's) copies the
  /// result to write it as failed.
  std::unique_ptr<std::mutex> result_mutex = std::make_unique<std::mutex>();

 private:
  std::string fmt_rank_message(const std::string& what) const;
  void check_interrupt(ExitCode& code, std::string& message) const;

  template <class Fn>
  void run_step(Fn& fn, bool interrupt_ends_step) {
    ExitCode code = ExitCode::kOk;
    std::string message;
    early_stop.arm();
    try {
      fn();
    } catch (const Error& e) {
      code = e.code();
      message = e.what();
    } catch (const std::exception& e) {
      code = ExitCode::kRuntime;
      message = fmt_rank_message(e.what());
    }
    if (code == ExitCode::kOk && interrupt_ends_step) check_interrupt(code, message);
    if (code != ExitCode::kOk) early_stop.notify();
    try {
      comm.agree(code, message, [this] { early_stop.service(); });
    } catch (...) {
      early_stop.disarm();
      throw;
    }
    agreement_ns_ = now_ns();
    early_stop.disarm();
  }
  std::uint64_t agreement_ns_ = 0;
  std::uint64_t next_report_poll_ns_ = 0;

 public:
  /// The step's early-stop channel (see early_stop.hpp).
  EarlyStop early_stop;
};

/// What a tool plugs into tool_main.
class Tool {
 public:
  virtual ~Tool() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  /// Registers the tool's options (the common ones are added by tool_main).
  virtual void add_options(CLI::App& app) = 0;
  /// Before parsing: the arguments (after "-X=v" splitting) as the tool
  /// wants CLI11 to see them. find_like maps find's single-dash words
  /// (-newer, -size, -name) to long options; the document keeps argv as typed.
  virtual std::vector<std::string> rewrite_args(std::vector<std::string> args) const { return args; }
  /// After parsing, before any I/O; the same on every rank. Throws UsageError.
  virtual void validate() = 0;
  /// After validate(): a tool whose own options say where the document goes
  /// (ior_like's -O summaryFile) sets it here. Throws UsageError.
  virtual void adjust_common(CommonOptions& /*common*/) const {}
  /// Checks against the target that may differ per rank (filesystem type,
  /// O_DIRECT alignment, free space, existence): local, no collective.
  /// tool_main runs it on every rank as one agreed step once the document
  /// has its header, so a refusal on any rank ends every rank with that
  /// rank's code (UsageError: exit 2) and a `failed` document. Throws Error.
  virtual void check_target() {}
  /// Every resolved parameter, units in names (after check_target() too:
  /// rank 0's config is taken again after it).
  virtual nlohmann::json config_json() const = 0;
  /// The path whose filesystem the environment block describes.
  virtual std::string target_path() const = 0;
  /// COLLECTIVE. The run: appends phases to ctx.result as they finish and
  /// does every fallible step inside ctx.step().
  virtual void run(RunContext& ctx) = 0;
  /// Rank 0, after the run (also after a failure): the summary table.
  virtual void report(const RunContext& ctx, std::ostream& out) const = 0;
  /// Rank 0, after report() (also under --quiet and after a failure): the
  /// tool's own output files or stdout data (ior_like's IOR formats).
  /// Throws Error; the run then ends with exit 1, its document still written.
  virtual void write_outputs(const RunContext& /*ctx*/) const {}
};

/// The whole program. Returns the exit code.
int tool_main(Tool& tool, int argc, char** argv);

}  // namespace pfsbench
