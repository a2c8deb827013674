#include "pfsbench/error.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace pfsbench {

const char* status_for(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return "ok";
    case ExitCode::kVerify: return "verify_failed";
    case ExitCode::kInterrupted: return "interrupted";
    case ExitCode::kRuntime:
    case ExitCode::kUsage: break;
  }
  return "failed";
}

const char* kind_name(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return "ok";
    case ExitCode::kUsage: return "usage";
    case ExitCode::kVerify: return "verify";
    case ExitCode::kInterrupted: return "interrupted";
    case ExitCode::kRuntime: break;
  }
  return "runtime";
}

int severity(ExitCode code) noexcept {
  switch (code) {
    case ExitCode::kOk: return 0;
    case ExitCode::kInterrupted: return 1;
    case ExitCode::kVerify: return 2;
    case ExitCode::kRuntime: return 3;
    case ExitCode::kUsage: return 4;
  }
  return 3;
}

ExitCode from_severity(int s) noexcept {
  switch (s) {
    case 0: return ExitCode::kOk;
    case 1: return ExitCode::kInterrupted;
    case 2: return ExitCode::kVerify;
    case 4: return ExitCode::kUsage;
    default: return ExitCode::kRuntime;
  }
}

std::vector<std::string> collapse_rank_messages(const std::vector<std::string>& messages) {
  struct Group {
    std::string text;
    std::vector<int> ranks;
  };
  std::vector<Group> groups;
  for (const auto& m : messages) {
    int rank = -1;
    std::string text = m;
    if (m.rfind("rank ", 0) == 0) {
      const auto colon = m.find(": ");
      const std::string num = m.substr(5, colon == std::string::npos ? 0 : colon - 5);
      if (!num.empty() && num.find_first_not_of("0123456789") == std::string::npos) {
        rank = std::stoi(num);
        text = m.substr(colon + 2);
      }
    }
    // Same text, same group: with a rank prefix the ranks are listed, without
    // one (e.g. a usage error every rank found alike) it is said once.
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.text == text && g.ranks.empty() == (rank < 0); });
    if (it == groups.end()) {
      groups.push_back({text, {}});
      it = groups.end() - 1;
    }
    if (rank >= 0) it->ranks.push_back(rank);
  }
  std::vector<std::string> out;
  for (auto& g : groups) {
    if (g.ranks.empty()) {
      out.push_back(g.text);
      continue;
    }
    std::sort(g.ranks.begin(), g.ranks.end());
    std::string list;
    for (std::size_t i = 0; i < g.ranks.size();) {
      std::size_t j = i;
      while (j + 1 < g.ranks.size() && g.ranks[j + 1] == g.ranks[j] + 1) ++j;
      if (!list.empty()) list += ',';
      list += j == i ? fmt::format("{}", g.ranks[i]) : fmt::format("{}-{}", g.ranks[i], g.ranks[j]);
      i = j + 1;
    }
    out.push_back(fmt::format("{} {}: {}", g.ranks.size() == 1 ? "rank" : "ranks", list, g.text));
  }
  return out;
}

std::string errno_text(int err) {
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", std::strerror(err), name ? name : fmt::format("errno {}", err));
}

static std::string io_message(const std::string& op, const std::string& path, const std::string& why, int rank,
                              std::int64_t offset, std::int64_t size, const std::string& hint) {
  std::string msg = fmt::format("rank {}: {} failed on '{}'", rank, op, path);
  if (offset >= 0) msg += fmt::format(" at offset {}", offset);
  if (size >= 0) msg += fmt::format(" (size {})", size);
  msg += ": " + why;
  if (!hint.empty()) msg += "; " + hint;
  return msg;
}

IoError::IoError(std::string op, std::string path, int err, int rank, std::int64_t offset,
                 std::int64_t size, std::string hint)
    : Error(ExitCode::kRuntime, io_message(op, path, errno_text(err), rank, offset, size, hint)),
      op_(std::move(op)),
      path_(std::move(path)),
      errno_(err),
      offset_(offset) {}

IoError::IoError(std::string op, std::string path, LibraryText text, int rank, std::int64_t offset,
                 std::int64_t size, std::string hint)
    : Error(ExitCode::kRuntime, io_message(op, path, text.text, rank, offset, size, hint)),
      op_(std::move(op)),
      path_(std::move(path)),
      errno_(0),
      offset_(offset) {}

}  // namespace pfsbench
