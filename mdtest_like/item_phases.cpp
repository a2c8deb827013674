// The item phases: create, stat, read and remove of files and directories,
// each in four parts: prepare (untimed), the timed loop, the reductions, and
// the phase's details. The timed loops do the operation, one clock read, the
// histogram/series record, and an in-place name increment: nothing else.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <limits>
#include <random>
#include <span>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "errors.hpp"
#include "file_content.hpp"
#include "item_dirs.hpp"
#include "iteration.hpp"
#include "mdtest_tool.hpp"
#include "op_recorder.hpp"
#include "pfsbench/mismatch.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/watchdog.hpp"
#include "pfsbench/stonewall_status.hpp"
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
  std::uint64_t item = 0;       ///< the rank's item index j
  std::int64_t got = 0, want = 0;  ///< sizes for kWrongSize / kShortRead
  bool failed() const { return kind != kNone; }
  bool set_errno(const char* w) {
    kind = kErrno;
    err = errno;
    what = w;
    return false;
  }
  bool set(Kind k, const char* w, std::int64_t g = 0, std::int64_t x = 0) {
    kind = k;
    what = w;
    got = g;
    want = x;
    return false;
  }
};

/// The first content mismatch a rank met in a verified read phase.
struct ReadMismatch {
  bool any = false;
  std::uint64_t item = 0, offset = 0, bad_bytes = 0, bad_items = 0;
  std::uint32_t expected = 0, found = 0;
};

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

// The operations. Each takes the item's path relative to `at` (AT_FDCWD and
// the whole path in full-path mode, a directory fd and the bare name in
// dirfd mode), never follows a symlink at the item, and returns false with
// the failure noted.

struct FileCreate {
  FileContent& content;
  int rank;
  bool fsync_each;
  bool operator()(int at, const char* p, std::uint64_t number, OpFailure& f) const {
    const int fd = ::openat(at, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return f.set_errno("create");
    // A file whose write or close failed is not counted as created, so the
    // cleanup would miss it: O_EXCL made it ours, remove it here.
    const char* step = nullptr;
    if (!content.bytes().empty()) {
      content.set_tag(rank, number);
      if (!write_all(fd, content.bytes())) step = "write";
      else if (fsync_each && ::fsync(fd) != 0) step = "fsync";
    }
    if (step != nullptr) {
      f.set_errno(step);
      ::close(fd);
    } else if (::close(fd) != 0) {
      step = "close";
      f.set_errno(step);
    }
    if (step == nullptr) return true;
    ::unlinkat(at, p, 0);
    return false;
  }
};

struct DirCreate {
  bool operator()(int at, const char* p, std::uint64_t, OpFailure& f) const {
    return ::mkdirat(at, p, 0755) == 0 || f.set_errno("mkdir");
  }
};

struct ItemStat {
  bool is_file;
  bool check_size;
  std::uint64_t want_bytes;
  bool operator()(int at, const char* p, std::uint64_t, OpFailure& f) const {
    struct stat sb;
    if (::fstatat(at, p, &sb, AT_SYMLINK_NOFOLLOW) != 0) return f.set_errno("stat");
    if (is_file ? !S_ISREG(sb.st_mode) : !S_ISDIR(sb.st_mode)) return f.set(OpFailure::kWrongType, "stat");
    if (check_size && static_cast<std::uint64_t>(sb.st_size) != want_bytes)
      return f.set(OpFailure::kWrongSize, "stat", sb.st_size, static_cast<std::int64_t>(want_bytes));
    return true;
  }
};

struct FileRead {
  std::span<std::byte> buf;
  const FileContent* verify;  ///< null: no -X
  int owner;
  ReadMismatch& mismatch;
  bool operator()(int at, const char* p, std::uint64_t number, OpFailure& f) const {
    const int fd = ::openat(at, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return f.set_errno("open");
    if (!buf.empty()) {
      const ssize_t got = read_full(fd, buf);
      if (got < 0 || static_cast<std::size_t>(got) != buf.size()) {
        if (got < 0) f.set_errno("read");
        else f.set(OpFailure::kShortRead, "read", got, static_cast<std::int64_t>(buf.size()));
        ::close(fd);
        return false;
      }
      if (verify != nullptr) note(verify->check(buf, owner, number), number);
    }
    return ::close(fd) == 0 || f.set_errno("close");
  }
  void note(const FileContent::Check& c, std::uint64_t number) const {
    if (c.ok) return;
    if (!mismatch.any) {
      mismatch.any = true;
      mismatch.item = number;
      mismatch.offset = c.first_bad_offset;
      mismatch.expected = c.expected;
      mismatch.found = c.found;
    }
    mismatch.bad_bytes += c.bad_bytes;
    ++mismatch.bad_items;
  }
};

struct ItemRemove {
  int flag;
  bool operator()(int at, const char* p, std::uint64_t, OpFailure& f) const {
    return ::unlinkat(at, p, flag) == 0 || f.set_errno("remove");
  }
};

/// A permutation of 0..count-1 from `seed` (-R): std::mt19937_64 and a
/// Fisher-Yates shuffle, the same on every run of the same build.
std::vector<std::uint64_t> random_order(std::uint64_t count, std::uint64_t seed) {
  std::vector<std::uint64_t> order(count);
  for (std::uint64_t i = 0; i < count; ++i) order[i] = i;
  std::mt19937_64 gen(seed);
  for (std::uint64_t i = count; i > 1; --i) std::swap(order[i - 1], order[gen() % i]);
  return order;
}

}  // namespace

/// One item phase of one rank: what it works on (prepared before the timed
/// loop), and what the loop leaves for the reductions.
struct ItemPhase {
  ItemPhase(const Config& cfg, ItemKind k, Op o, int iteration, int owner_rank, std::uint64_t items)
      : kind(k),
        op(o),
        name(phase_name(k, o)),
        place{&cfg, iteration, k, owner_rank, tree_base(cfg.unique_dir, owner_rank)},
        count(items),
        content(k == ItemKind::kFile && o == Op::kCreate ? cfg.write_bytes
                : k == ItemKind::kFile && o == Op::kRead ? cfg.read_bytes
                                                         : 0,
                cfg.content_seed()),
        read_buf(k == ItemKind::kFile && o == Op::kRead ? cfg.read_bytes : 0),
        rec(k == ItemKind::kFile && o == Op::kCreate ? cfg.series_interval_s : 0),
        stonewall(o == Op::kCreate && cfg.stonewall_s > 0) {}

  bool is_file() const { return kind == ItemKind::kFile; }

  ItemKind kind;
  Op op;
  std::string name;
  ItemPlace place;
  std::uint64_t count;                ///< items to work on (this rank)
  ItemDirs dirs;
  std::vector<std::uint64_t> order;   ///< -R: item indices in visiting order; empty = in order
  std::optional<std::uint64_t> seed;  ///< -R's seed for this rank
  FileContent content;
  std::vector<std::byte> read_buf;
  OpRecorder rec;
  OpFailure fail;
  ReadMismatch mismatch;
  bool stonewall;
  std::uint64_t done = 0;             ///< items completed
  std::uint64_t at_stonewall = 0;     ///< items completed when the stonewall stopped the loop
  std::uint64_t agreed = 0;           ///< -W: the largest count over ranks, every rank's target
};

void Iteration::item_phase(ItemKind kind, Op op) {
  const int rank = ctx_.comm.rank();
  // Create works on this rank's own items; stat/read/remove on those of
  // rank (r + N) mod size (-N, to defeat client caches).
  const int owner = op == Op::kCreate ? rank : (rank + cfg_.stride) % ctx_.comm.size();
  const std::uint64_t count = op == Op::kCreate ? cfg_.layout.items_per_rank : st_.items[kind_index(kind)];
  ItemPhase ph(cfg_, kind, op, st_.iteration, owner, count);
  if (cfg_.random_order && (op == Op::kStat || op == Op::kRead)) {
    ph.seed = random_seed_ + static_cast<std::uint64_t>(rank);  // as mdtest: seed + rank
    ph.order = random_order(count, *ph.seed);
  }
  prepare_item_dirs(ph);
  timed_item_loop(ph);
  if (op == Op::kRemove) st_.removed[kind_index(kind)] = true;
  nlohmann::json details = item_details(ph);
  const std::uint64_t bytes_per_item = ph.is_file() && op == Op::kCreate ? cfg_.write_bytes
                                       : ph.is_file() && op == Op::kRead ? cfg_.read_bytes
                                                                         : 0;
  finish_phase(ctx_, ph.rec, ph.name, st_.iteration, {ph.done, ph.done * bytes_per_item}, std::move(details), csv_);
  if (csv_ != nullptr) csv_->set_items_per_rank(ph.agreed);
  if (op == Op::kCreate && !cfg_.status_file.empty())
    store_status_count(ctx_, cfg_.status_file, status_file_use(), st_.items[kind_index(kind)]);
}

void Iteration::prepare_item_dirs(ItemPhase& ph) {
  const bool full = cfg_.path_resolution == PathResolution::kFull;
  // dirfd mode: opening the directories is the working-directory set-up
  // (-t times it). Full-path mode: the check that they are directories is
  // a guard, never timed; building their paths is the set-up.
  ctx_.step([&] {
    if (full || !cfg_.time_dir_overhead) open_phase_dirs(ph);
    if (!cfg_.time_dir_overhead) ph.dirs.build_prefixes(ph.place, cfg_.path_resolution);
  });
}

void Iteration::open_phase_dirs(ItemPhase& ph) const {
  const std::uint64_t used = ph.count == 0 ? 0 : (ph.count - 1) / cfg_.layout.items_per_dir + 1;
  ph.dirs = ItemDirs::open(ph.place, iter_fd_.get(), used, cfg_.path_resolution == PathResolution::kDirFd,
                           ctx_.comm.rank(),
                           "the tree is missing or incomplete: create it with -C and the same -z/-b/-u/-L/-n/-I "
                           "(or raise 'ulimit -n' on EMFILE)");
}

void Iteration::timed_item_loop(ItemPhase& ph) {
  Progress progress(ctx_.verbose_root(), ph.name, ph.count, ph.is_file() ? "files" : "directories");
  begin_phase(ctx_.comm);
  timed_step(ctx_, ph.rec, true, [&] {
    if (cfg_.time_dir_overhead) {
      if (cfg_.path_resolution == PathResolution::kDirFd) open_phase_dirs(ph);
      ph.dirs.build_prefixes(ph.place, cfg_.path_resolution);
    }
    const std::uint64_t deadline =
        ph.stonewall ? ph.rec.start_ns() + static_cast<std::uint64_t>(cfg_.stonewall_s * 1e9) : kNoDeadline;
    ph.done = run_items(ph, 0, ph.count, deadline, progress);
    if (ph.op == Op::kCreate) st_.created[kind_index(ph.kind)] = ph.done;
    throw_if_failed(ph);
    if (cfg_.sync_after_phase && !ph.stonewall) ::sync();
  });
  ph.agreed = ph.done;
  if (ph.stonewall) {
    // Wear-out: the ranks agree on the largest count reached and every rank
    // creates up to it, so all ranks end with the same items (mdtest -W).
    ph.at_stonewall = ph.done;
    ph.agreed = ctx_.comm.allreduce_max(ph.done);
    timed_step(ctx_, ph.rec, false, [&] {
      ph.done = run_items(ph, ph.done, ph.agreed, kNoDeadline, progress);
      st_.created[kind_index(ph.kind)] = ph.done;
      throw_if_failed(ph);
      if (cfg_.sync_after_phase) ::sync();
    });
    st_.items[kind_index(ph.kind)] = ph.agreed;
  }
}

namespace {

/// The loop over the items [begin, end) of the phase's visiting order.
/// Stops early after the first operation completing at or past
/// `deadline_ns` (stonewall), on a failure, or on a signal or another
/// rank's failure (`ctx.stop_requested`). Returns the end of the completed
/// range.
template <class Fn>
std::uint64_t item_loop(RunContext& ctx, ItemPhase& ph, std::uint64_t begin, std::uint64_t end,
                        std::uint64_t deadline_ns, Progress& progress, Fn op) {
  if (begin >= end) return begin;
  const ItemLayout& layout = ph.place.cfg->layout;
  const bool in_order = ph.order.empty();
  ItemCursor cur(ph.dirs, layout);
  if (in_order) cur.seek(begin);
  std::uint64_t i = begin;
  while (i < end) {
    if (!in_order) cur.seek(ph.order[i]);
    bool ok = false;
    {
      // The hung-call watchdog: the item's path as the call sees it
      // (relative to its directory in dirfd mode).
      const IoWatch watch(ph.name.c_str(), cur.path());
      ok = op(cur.at_fd(), cur.path(), layout.item_number(cur.index()), ph.fail);
    }
    if (!ok) {
      ph.fail.item = cur.index();
      break;
    }
    const std::uint64_t t = now_ns();
    ph.rec.done(t);
    ++i;
    if (in_order) cur.next();
    if (t >= deadline_ns || ctx.stop_requested(t)) break;
    progress.update(i, t);
  }
  return i;
}

}  // namespace

std::uint64_t Iteration::run_items(ItemPhase& ph, std::uint64_t begin, std::uint64_t end, std::uint64_t deadline,
                                   Progress& progress) {
  switch (ph.op) {
    case Op::kCreate:
      if (ph.is_file())
        return item_loop(ctx_, ph, begin, end, deadline, progress,
                         FileCreate{ph.content, ph.place.owner, cfg_.fsync_after_write});
      return item_loop(ctx_, ph, begin, end, deadline, progress, DirCreate{});
    case Op::kStat:
      // Sizes are checked only when this run wrote them.
      return item_loop(ctx_, ph, begin, end, deadline, progress,
                       ItemStat{ph.is_file(), ph.is_file() && cfg_.create, cfg_.write_bytes});
    case Op::kRead:
      return item_loop(ctx_, ph, begin, end, deadline, progress,
                       FileRead{ph.read_buf, cfg_.verify_read ? &ph.content : nullptr, ph.place.owner, ph.mismatch});
    case Op::kRemove:
      return item_loop(ctx_, ph, begin, end, deadline, progress, ItemRemove{ph.is_file() ? 0 : AT_REMOVEDIR});
  }
  return begin;
}

void Iteration::throw_if_failed(const ItemPhase& ph) const {
  const OpFailure& fail = ph.fail;
  if (!fail.failed()) return;
  const std::string path = ph.place.item_path(fail.item);
  const int rank = ctx_.comm.rank();
  switch (fail.kind) {
    case OpFailure::kErrno:
      throw IoError(fail.what, path, fail.err, rank, -1, -1, hint_for(fail.err, ph.op, ph.kind));
    case OpFailure::kWrongType:
      throw IoError(fail.what, path, EINVAL, rank, -1, -1,
                    fmt::format("it is not a {} (never followed if a symlink): another program changed the tree",
                                ph.is_file() ? "regular file" : "directory"));
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
}

nlohmann::json Iteration::item_details(ItemPhase& ph) {
  // Reductions beyond the phase frame (all ranks take part in each).
  nlohmann::json details = {{"operation", op_name(ph.op)},
                            {"target", ph.is_file() ? "file" : "directory"},
                            {"shared_directory", !cfg_.unique_dir},
                            {"items_per_rank", ph.done},
                            {"stride_ranks", ph.op == Op::kCreate ? 0 : cfg_.stride},
                            // ranks that worked on items created on their own node (-N's aim: 0)
                            {"ranks_on_own_node_items",
                             ph.op == Op::kCreate ? nlohmann::json(nullptr)
                                                  : nlohmann::json(own_node_item_ranks(ctx_.layout.node_of_rank,
                                                                                       cfg_.stride))}};
  if (ph.stonewall) details["stonewall"] = stonewall_details(ph);
  if (ph.op == Op::kRead && cfg_.verify_read) details["verify"] = verify_details(ph);
  if (ph.seed) details["random_seed"] = random_seed_;
  return details;
}

nlohmann::json Iteration::stonewall_details(const ItemPhase& ph) {
  const auto reached = ctx_.comm.gather(ph.at_stonewall);
  if (!ctx_.comm.is_root()) return nullptr;
  std::uint64_t lo = reached.front(), hi = 0, sum = 0;
  for (auto v : reached) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
  }
  return {{"stonewall_s", cfg_.stonewall_s},
          {"items_at_stonewall_total", sum},
          {"items_at_stonewall_min", lo},
          {"items_at_stonewall_max", hi},
          {"items_per_rank_after_wearout", ph.agreed}};
}

nlohmann::json Iteration::verify_details(const ItemPhase& ph) {
  const ReadMismatch& mm = ph.mismatch;
  std::vector<std::uint64_t> v = {mm.bad_items, mm.bad_bytes, ph.done * ph.read_buf.size()};
  ctx_.comm.allreduce_sum(v);
  // Each rank's first wrong byte crosses as one plain struct; rank 0 picks
  // by core's rule (lowest offset, then lowest rank: mismatch.hpp).
  RankMismatch mine;
  mine.any = mm.any;
  mine.expected = mm.expected;
  mine.found = mm.found;
  mine.offset = mm.offset;
  mine.mismatched_bytes = mm.bad_bytes;
  mine.locator = mm.item;  // the item's number: rank 0 builds its path
  const std::optional<RankedMismatch> first = gather_first_mismatch(ctx_.comm, mine);
  if (!ctx_.comm.is_root()) return nullptr;
  VerificationCheck check;
  check.phase = ph.name;
  check.iteration = st_.iteration;
  check.passed = v[0] == 0;
  check.bytes_checked = v[2];
  if (first) {
    // Rank r read the items of rank r + stride (-N).
    const int own = (first->rank + cfg_.stride) % ctx_.comm.size();
    const std::uint64_t j = first->mismatch.locator - cfg_.layout.item_number(0);
    const ItemPlace place{&cfg_, st_.iteration, ph.kind, own, tree_base(cfg_.unique_dir, own)};
    check.first_mismatch = to_mismatch(first->mismatch, first->rank, place.item_path(j));
  }
  ctx_.result.verification.checks.push_back(std::move(check));
  return {{"files_checked", v[2] / std::max<std::size_t>(ph.read_buf.size(), 1)},
          {"files_mismatched", v[0]},
          {"bytes_mismatched", v[1]},
          {"in_window", true}};
}

}  // namespace pfsbench::mdtest_like
