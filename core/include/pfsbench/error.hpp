#pragma once
// Error types and the exit codes they map to. Every failure a tool can meet
// is one of these; main() maps them to exit codes in one place (tool_main).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pfsbench {

/// Process exit codes, as documented in DESIGN.md.
enum class ExitCode : int {
  kOk = 0,
  kRuntime = 1,      ///< an I/O or system error during the run
  kUsage = 2,        ///< bad command line or configuration, found before any I/O
  kVerify = 3,       ///< data verification found a mismatch
  kInterrupted = 4,  ///< SIGINT/SIGTERM
};

/// The `status` string of the result document for an exit code.
const char* status_for(ExitCode code) noexcept;

/// "usage", "runtime", "verify", "interrupted" or "ok": the kind of an error record.
const char* kind_name(ExitCode code) noexcept;

/// Ranks disagreeing on the outcome pick the most severe one:
/// usage > runtime > verify > interrupted > ok.
int severity(ExitCode code) noexcept;
ExitCode from_severity(int severity) noexcept;

/// Base of all pfsbench errors: a message and the exit code it maps to.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// Bad input: `what`, `why` and `what to do` in one message. Exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::kUsage, message) {}
};

/// A failed system call on a file. The message names the operation, path,
/// offset, size, errno text and rank so an admin can find the failing node.
class IoError : public Error {
 public:
  IoError(std::string op, std::string path, int err, int rank, std::int64_t offset = -1,
          std::int64_t size = -1, std::string hint = {});
  /// The same for a library call (MPI-IO, HDF5) that reports its own error
  /// text instead of an errno: "... failed on 'F' at offset O (size S): <text>".
  struct LibraryText {
    std::string text;
  };
  IoError(std::string op, std::string path, LibraryText text, int rank, std::int64_t offset = -1,
          std::int64_t size = -1, std::string hint = {});
  const std::string& op() const noexcept { return op_; }
  const std::string& path() const noexcept { return path_; }
  int error_number() const noexcept { return errno_; }
  std::int64_t offset() const noexcept { return offset_; }

 private:
  std::string op_, path_;
  int errno_;
  std::int64_t offset_;
};

/// Data verification failed and the run cannot go on. Exit code 3.
class VerifyError : public Error {
 public:
  explicit VerifyError(const std::string& message) : Error(ExitCode::kVerify, message) {}
};

/// The run was interrupted by a signal. Exit code 4.
class InterruptedError : public Error {
 public:
  explicit InterruptedError(const std::string& message) : Error(ExitCode::kInterrupted, message) {}
};

/// The outcome of a collective agreement in which at least one rank failed.
/// Thrown on every rank by Comm::agree(); rank 0 holds the messages of all
/// failing ranks, the other ranks only their own.
class CollectiveError : public Error {
 public:
  CollectiveError(ExitCode code, std::string message, std::vector<std::string> rank_messages)
      : Error(code, message), rank_messages_(std::move(rank_messages)) {}
  const std::vector<std::string>& rank_messages() const noexcept { return rank_messages_; }

 private:
  std::vector<std::string> rank_messages_;
};

/// Merges messages that differ only in their "rank N: " prefix, keeping the
/// first-appearance order: {"rank 0: x", "rank 1: x", "rank 3: y"} ->
/// {"ranks 0-1: x", "rank 3: y"}; identical messages without a prefix are
/// kept once. 384 ranks failing alike make one line.
std::vector<std::string> collapse_rank_messages(const std::vector<std::string>& messages);

/// "strerror(err) (ENAME)" e.g. "No space left on device (ENOSPC)".
std::string errno_text(int err);

}  // namespace pfsbench
