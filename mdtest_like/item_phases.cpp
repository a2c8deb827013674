// The item phases: create, stat, read and remove of files and directories.
// The timed loops do the operation, one clock read, the histogram/series
// record, and an in-place name increment: nothing else.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <span>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "file_content.hpp"
#include "iteration.hpp"
#include "name_buffer.hpp"
#include "op_recorder.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/signals.hpp"
#include "timed_phase.hpp"

namespace pfsbench::mdtest_like {

namespace {

constexpr std::uint64_t kNoDeadline = std::numeric_limits<std::uint64_t>::max();

/// A failed operation, noted in the loop without formatting; the message is
/// built after the loop.
struct OpFailure {
  enum Kind { kNone, kErrno, kWrongType, kWrongSize, kShortRead } kind = kNone;
  int err = 0;
  const char* what = "";        ///< the system call: "create", "write", "close", ...
  std::uint64_t item = 0;
  std::int64_t got = 0, want = 0;  ///< sizes for kWrongSize / kShortRead
  bool failed() const { return kind != kNone; }
  void set_errno(const char* w) {
    kind = kErrno;
    err = errno;
    what = w;
  }
};

/// The loop over items [begin, end) of one rank, in directories of
/// `per_dir` items. Stops early after the first operation completing at or
/// past `deadline_ns` (stonewall), on a failure, or on a signal or another
/// rank's failure (`ctx.stop_requested`). Returns the end of the completed
/// range.
template <class Fn>
std::uint64_t item_loop(RunContext& ctx, OpRecorder& rec, NameBuffer& name, std::span<const UniqueFd> dirs,
                        std::uint64_t per_dir, std::uint64_t begin, std::uint64_t end, std::uint64_t deadline_ns,
                        Progress& progress, OpFailure& fail, Fn&& op) {
  if (begin >= end) return begin;
  name.set(begin);
  std::size_t di = static_cast<std::size_t>(begin / per_dir);
  std::uint64_t left = per_dir - begin % per_dir;
  int dfd = dirs[di].get();
  std::uint64_t j = begin;
  while (j < end) {
    if (left == 0) {
      dfd = dirs[++di].get();
      left = per_dir;
    }
    if (!op(dfd, name.c_str(), j, fail)) {
      fail.item = j;
      break;
    }
    const std::uint64_t t = now_ns();
    rec.done(t);
    ++j;
    --left;
    name.increment();
    if (t >= deadline_ns || ctx.stop_requested(t)) break;
    progress.update(j, t);
  }
  return j;
}

/// Writes all of `buf`; false with errno set on failure (ENOSPC for a write of 0).
bool write_all(int fd, std::span<const std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::write(fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = ENOSPC;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// Reads up to buf.size() bytes; the count, or -1 with errno set.
ssize_t read_full(int fd, std::span<std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = ::read(fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

/// The first content mismatch a rank met in a verified read phase.
struct ReadMismatch {
  bool any = false;
  std::uint64_t item = 0, offset = 0, bad_bytes = 0, bad_items = 0;
  std::uint32_t expected = 0, found = 0;
};

}  // namespace

void Iteration::item_phase(ItemKind kind, Op op) {
  const Comm& comm = ctx_.comm;
  const int rank = comm.rank();
  const std::size_t ki = kind_index(kind);
  const bool is_file = kind == ItemKind::kFile;
  // Create works on this rank's own items; stat/read/remove on those of
  // rank (r + N) mod size (-N, to defeat client caches).
  const int owner = op == Op::kCreate ? rank : (rank + cfg_.stride) % comm.size();
  const std::uint64_t tree = tree_of(owner);
  const std::uint64_t count = op == Op::kCreate ? cfg_.layout.items_per_rank : st_.items[ki];
  const std::uint64_t per_dir = cfg_.layout.items_per_dir;
  const std::string name = phase_name(kind, op);
  // Sizes are checked at stat only when this run wrote them.
  const bool check_size = is_file && cfg_.create;

  std::vector<UniqueFd> dirs;
  ctx_.step([&] { dirs = open_item_dirs(tree); });
  NameBuffer names(item_prefix(kind, owner));
  FileContent content(is_file && op == Op::kCreate ? cfg_.write_bytes
                      : is_file && op == Op::kRead ? cfg_.read_bytes
                                                   : 0);
  std::vector<std::byte> read_buf(is_file && op == Op::kRead ? cfg_.read_bytes : 0);
  ReadMismatch mismatch;
  const int dir_flag = is_file ? 0 : AT_REMOVEDIR;
  const bool series = is_file && op == Op::kCreate;
  OpRecorder rec(series ? cfg_.series_interval_s : 0);
  Progress progress(ctx_.verbose_root(), name, count, is_file ? "files" : "directories");
  OpFailure fail;
  std::uint64_t done = 0;

  auto run_range = [&](std::uint64_t begin, std::uint64_t end, std::uint64_t deadline) -> std::uint64_t {
    switch (op) {
      case Op::kCreate:
        if (is_file) {
          const std::size_t w = content.bytes().size();
          return item_loop(ctx_, rec, names, dirs, per_dir, begin, end, deadline, progress, fail,
                           [&](int dfd, const char* n, std::uint64_t j, OpFailure& f) {
                             const int fd = ::openat(dfd, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                                     0644);
                             if (fd < 0) return f.set_errno("create"), false;
                             // A file whose write or close failed is not counted as
                             // created, so the cleanup would miss it: O_EXCL made it
                             // ours, remove it here.
                             if (w > 0) {
                               content.set_tag(rank, j);
                               if (!write_all(fd, content.bytes())) {
                                 f.set_errno("write");
                                 ::close(fd);
                                 ::unlinkat(dfd, n, 0);
                                 return false;
                               }
                             }
                             if (::close(fd) != 0) {
                               f.set_errno("close");
                               ::unlinkat(dfd, n, 0);
                               return false;
                             }
                             return true;
                           });
        }
        return item_loop(ctx_, rec, names, dirs, per_dir, begin, end, deadline, progress, fail,
                         [](int dfd, const char* n, std::uint64_t, OpFailure& f) {
                           if (::mkdirat(dfd, n, 0755) != 0) return f.set_errno("mkdir"), false;
                           return true;
                         });
      case Op::kStat:
        return item_loop(ctx_, rec, names, dirs, per_dir, begin, end, deadline, progress, fail,
                         [&](int dfd, const char* n, std::uint64_t, OpFailure& f) {
                           struct stat sb;
                           if (::fstatat(dfd, n, &sb, AT_SYMLINK_NOFOLLOW) != 0) return f.set_errno("stat"), false;
                           if (is_file ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode)) {
                             f.kind = OpFailure::kWrongType;
                             f.what = "stat";
                             return false;
                           }
                           if (check_size && static_cast<std::uint64_t>(sb.st_size) != cfg_.write_bytes) {
                             f.kind = OpFailure::kWrongSize;
                             f.what = "stat";
                             f.got = sb.st_size;
                             f.want = static_cast<std::int64_t>(cfg_.write_bytes);
                             return false;
                           }
                           return true;
                         });
      case Op::kRead:
        return item_loop(ctx_, rec, names, dirs, per_dir, begin, end, deadline, progress, fail,
                         [&](int dfd, const char* n, std::uint64_t j, OpFailure& f) {
                           const int fd = ::openat(dfd, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                           if (fd < 0) return f.set_errno("open"), false;
                           if (!read_buf.empty()) {
                             const ssize_t got = read_full(fd, read_buf);
                             if (got < 0) {
                               f.set_errno("read");
                               ::close(fd);
                               return false;
                             }
                             if (static_cast<std::size_t>(got) != read_buf.size()) {
                               f.kind = OpFailure::kShortRead;
                               f.what = "read";
                               f.got = got;
                               f.want = static_cast<std::int64_t>(read_buf.size());
                               ::close(fd);
                               return false;
                             }
                             if (cfg_.verify_read) {
                               const auto c = content.check(read_buf, owner, j);
                               if (!c.ok) {
                                 if (!mismatch.any) {
                                   mismatch.any = true;
                                   mismatch.item = j;
                                   mismatch.offset = c.first_bad_offset;
                                   mismatch.expected = c.expected;
                                   mismatch.found = c.found;
                                 }
                                 mismatch.bad_bytes += c.bad_bytes;
                                 ++mismatch.bad_items;
                               }
                             }
                           }
                           if (::close(fd) != 0) return f.set_errno("close"), false;
                           return true;
                         });
      case Op::kRemove:
        return item_loop(ctx_, rec, names, dirs, per_dir, begin, end, deadline, progress, fail,
                         [dir_flag](int dfd, const char* n, std::uint64_t, OpFailure& f) {
                           if (::unlinkat(dfd, n, dir_flag) != 0) return f.set_errno("remove"), false;
                           return true;
                         });
    }
    return begin;
  };

  auto throw_if_failed = [&] {
    if (!fail.failed()) return;
    const std::string path =
        display(tree_dir_path(cfg_.tree, tree, cfg_.layout.dir_of_item(fail.item)) + "/" +
                item_name(kind, owner, fail.item));
    switch (fail.kind) {
      case OpFailure::kErrno:
        throw IoError(fail.what, path, fail.err, rank, -1, -1, hint_for(fail.err, op, kind));
      case OpFailure::kWrongType:
        throw IoError(fail.what, path, EINVAL, rank, -1, -1,
                      fmt::format("it is not a {} (never followed if a symlink): another program changed the tree",
                                  is_file ? "regular file" : "directory"));
      case OpFailure::kWrongSize:
        throw IoError(fail.what, path, EINVAL, rank, -1, -1,
                      fmt::format("its size is {} bytes, not the {} bytes written by -w", fail.got, fail.want));
      case OpFailure::kShortRead:
        throw IoError(fail.what, path, EINVAL, rank, 0, fail.want,
                      fmt::format("only {} of the {} bytes asked by -e are in the file: use -e up to the -w of "
                                  "the run that created it",
                                  fail.got, fail.want));
      case OpFailure::kNone: break;
    }
  };

  const bool stonewall = op == Op::kCreate && cfg_.stonewall_s > 0;
  std::uint64_t at_stonewall = 0, agreed = count;
  begin_phase(comm, rec);
  ctx_.step([&] {
    const std::uint64_t deadline =
        stonewall ? rec.start_ns() + static_cast<std::uint64_t>(cfg_.stonewall_s * 1e9) : kNoDeadline;
    done = run_range(0, count, deadline);
    if (op == Op::kCreate) st_.created[ki] = done;
    throw_if_failed();
  });
  if (stonewall) {
    // Wear-out: the ranks agree on the largest count reached and every rank
    // creates up to it, so all ranks end with the same items (mdtest -W).
    at_stonewall = done;
    agreed = comm.allreduce_max(done);
    ctx_.step([&] {
      done = run_range(done, agreed, kNoDeadline);
      st_.created[ki] = done;
      throw_if_failed();
    });
    st_.items[ki] = agreed;
  }
  rec.close();
  if (op == Op::kRemove) st_.removed[ki] = true;

  // Reductions beyond the phase frame (all ranks take part in each).
  nlohmann::json stonewall_json = nullptr;
  if (stonewall) {
    const auto reached = comm.gather(at_stonewall);
    if (comm.is_root()) {
      std::uint64_t lo = reached.front(), hi = 0, sum = 0;
      for (auto v : reached) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        sum += v;
      }
      stonewall_json = {{"stonewall_s", cfg_.stonewall_s},
                        {"items_at_stonewall_total", sum},
                        {"items_at_stonewall_min", lo},
                        {"items_at_stonewall_max", hi},
                        {"items_per_rank_after_wearout", agreed}};
    }
  }
  nlohmann::json verify_json = nullptr;
  if (op == Op::kRead && cfg_.verify_read) {
    std::vector<std::uint64_t> v = {mismatch.bad_items, mismatch.bad_bytes, done * read_buf.size()};
    comm.allreduce_sum(v);
    const auto firsts = comm.gather(
        mismatch.any ? fmt::format("{}\n{}\n{}\n{}\n{}", mismatch.item, mismatch.offset, mismatch.expected, mismatch.found,
                                 mismatch.bad_bytes)
                     : std::string());
    if (comm.is_root()) {
      VerificationCheck check;
      check.phase = name;
      check.iteration = st_.iteration;
      check.passed = v[0] == 0;
      check.bytes_checked = v[2];
      for (std::size_t r = 0; r < firsts.size(); ++r) {
        if (firsts[r].empty()) continue;
        unsigned long long item = 0, off = 0, bad = 0;
        unsigned exp = 0, got = 0;
        std::sscanf(firsts[r].c_str(), "%llu\n%llu\n%u\n%u\n%llu", &item, &off, &exp, &got, &bad);
        const int own = (static_cast<int>(r) + cfg_.stride) % comm.size();
        Mismatch m;
        m.path = display(tree_dir_path(cfg_.tree, tree_of(own), cfg_.layout.dir_of_item(item)) + "/" +
                         item_name(kind, own, item));
        m.offset = off;
        m.expected = exp;
        m.found = got;
        m.mismatched_bytes = bad;
        m.rank = static_cast<int>(r);
        check.first_mismatch = m;
        break;
      }
      verify_json = {{"files_checked", v[2] / std::max<std::size_t>(read_buf.size(), 1)},
                     {"files_mismatched", v[0]},
                     {"bytes_mismatched", v[1]},
                     {"in_window", true}};
      ctx_.result.verification.checks.push_back(std::move(check));
    }
  }

  nlohmann::json details = {{"operation", op_name(op)},
                            {"target", is_file ? "file" : "directory"},
                            {"shared_directory", !cfg_.unique_dir},
                            {"items_per_rank", done},
                            {"stride_ranks", op == Op::kCreate ? 0 : cfg_.stride}};
  if (stonewall) details["stonewall"] = stonewall_json;
  if (op == Op::kRead && cfg_.verify_read) details["verify"] = verify_json;
  const std::uint64_t bytes_per_item =
      is_file && op == Op::kCreate ? cfg_.write_bytes : is_file && op == Op::kRead ? cfg_.read_bytes : 0;
  finish_phase(ctx_, rec, name, st_.iteration, {done, done * bytes_per_item}, std::move(details));
}

}  // namespace pfsbench::mdtest_like
