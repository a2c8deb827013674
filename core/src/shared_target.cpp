#include "pfsbench/shared_target.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"

namespace pfsbench {

std::string shared_check_dir(const std::string& target_path) {
  std::string p = target_path.empty() ? "." : target_path;
  for (int i = 0; i < 64 && access(p.c_str(), F_OK) != 0; ++i) {
    const std::string parent = parent_dir(p);
    if (parent == p) break;
    p = parent;
  }
  struct stat st {};
  if (stat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) p = parent_dir(p);
  return p;
}

namespace {

// Rank 0: creates the token; returns "" or why it could not.
std::string create_token(const std::string& token, const std::string& content) {
  const int fd = ::open(token.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return errno_text(errno);
  const auto n = ::write(fd, content.data(), content.size());
  const int write_errno = errno;
  if (::close(fd) != 0 || n != static_cast<ssize_t>(content.size())) {
    ::unlink(token.c_str());
    return errno_text(n < 0 ? write_errno : EIO);
  }
  return {};
}

}  // namespace

void check_shared_target(RunContext& ctx, const std::string& target_path) {
  if (ctx.layout.node_count <= 1) return;
  const Comm& comm = ctx.comm;
  std::string dir, token, run_id = ctx.result.run_id;
  int created = 0;
  if (comm.is_root()) {
    dir = shared_check_dir(target_path);
    token = fmt::format("{}/.pfsbench-shared-check-{}", dir, run_id);
    const std::string why = create_token(token, run_id);
    created = why.empty() ? 1 : 0;
    if (!created)
      ctx.warn(fmt::format("could not check that all {} nodes share the target: creating the token file {} failed "
                           "({}); make sure {} is on a filesystem every node mounts",
                           ctx.layout.node_count, token, why, dir));
  }
  // The broadcast follows the create (and its close): a node that reads
  // after it sees the file on any filesystem with close-to-open consistency.
  comm.bcast(created);
  if (!created) return;
  comm.bcast(token);
  std::uint64_t seen = 1;
  if (ctx.layout.local_rank == 0) {
    const auto text = read_small_file(token);
    seen = text && *text == run_id ? 1 : 0;
  }
  const std::vector<std::uint64_t> all = comm.gather(seen);
  std::string missing;
  if (comm.is_root()) {
    ::unlink(token.c_str());
    std::vector<bool> listed(ctx.layout.hosts.size(), false);
    for (std::size_t r = 0; r < all.size(); ++r) {
      const auto n = static_cast<std::size_t>(ctx.layout.node_of_rank[r]);
      if (all[r] != 0 || listed[n]) continue;
      listed[n] = true;
      missing += (missing.empty() ? "" : ", ") + ctx.layout.hosts[n];
    }
  }
  ctx.step([&] {
    if (!missing.empty())
      throw UsageError(fmt::format(
          "the target is not shared by all nodes: {} do{} not see the file {} that rank 0 (on {}) created for "
          "this check, so each node would measure its own local directory; put the target on a filesystem every "
          "node mounts, or add --local-target when node-local storage is what you mean to test",
          missing, missing.find(',') == std::string::npos ? "es" : "", token, ctx.layout.hosts.front()));
  });
}

}  // namespace pfsbench
