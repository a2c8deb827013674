#include "find_like_tool.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/json_values.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/unique_fd.hpp"
#include "share.hpp"

namespace pfsbench::find_like {
namespace {

// What one rank gathers to rank 0 after a walk (one gather of bytes).
struct RankRecord {
  WalkCounters walk;
  ShareCounters share;
  double duration_s = 0;
  double cpu_s = 0;  ///< user + system CPU time of the rank's process over the walk
  int stopped = 0;
};

double cpu_seconds() {
  rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto sec = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

std::uint64_t sum_of(const std::vector<RankRecord>& rs, std::uint64_t WalkCounters::*f) {
  std::uint64_t s = 0;
  for (const auto& r : rs) s += r.walk.*f;
  return s;
}

Distribution dist_of(const std::vector<double>& v) { return v.empty() ? Distribution{} : distribution(v); }

nlohmann::json hist_json(const LatencyHistogram& h) {
  return h.count() ? to_json(summarize(h)) : nlohmann::json(nullptr);
}

// The examples of one rank as "kind\tmessage" lines.
std::string encode_examples(const Walker::Examples& ex) {
  std::string out;
  const auto add = [&](const char* kind, const std::vector<std::string>& v) {
    for (const auto& m : v) out += fmt::format("{}\t{}\n", kind, m);
  };
  add("permission denied", ex.denied);
  add("vanished during the walk", ex.vanished);
  add("symlink loop", ex.loops);
  add("not UTF-8", ex.non_utf8);
  add("other error", ex.other);
  return out;
}

}  // namespace

std::string FindLikeTool::description() const {
  return "find_like: a parallel, read-only walk of an existing directory tree (IO500's find phase, pfind; "
         "the namespace pass of rsync) with find's predicates -newer -size -name -type; the ranks share the "
         "walk by work stealing; matched and scanned counts, the rate, per-rank balance and latencies";
}

void FindLikeTool::adjust_common(CommonOptions& common) const {
  find_like::validate(const_cast<Config&>(cfg_), common.json_path == "-");
}

void FindLikeTool::prepare(RunContext& ctx, WalkOptions& opts) {
  const Comm& comm = ctx.comm;
  std::uint64_t newer = 0;
  ctx.step([&] {
    // Every rank must see the tree (it is shared); rank 0 reads the -newer
    // reference as pfind does (lstat, ctime) and tells the others.
    struct stat st {};
    if (::stat(cfg_.root.c_str(), &st) != 0)
      throw IoError("stat", cfg_.root, errno, comm.rank(), -1, -1,
                    "give an existing directory to walk, visible on every node");
    if (!S_ISDIR(st.st_mode))
      throw Error(ExitCode::kRuntime, fmt::format("rank {}: '{}' is not a directory; find_like walks a directory "
                                                  "tree; give a directory",
                                                  comm.rank(), cfg_.root));
    if (cfg_.newer_path && comm.is_root()) {
      struct stat ref {};
      if (::lstat(cfg_.newer_path->c_str(), &ref) != 0)
        throw IoError("lstat", *cfg_.newer_path, errno, 0, -1, -1,
                      "-newer needs an existing reference file (IO500 creates $RES/timestampfile before the writes)");
      newer = static_cast<std::uint64_t>(static_cast<std::int64_t>(ref.st_ctime));
    }
  });
  comm.bcast(newer);
  opts.filter.name_glob = cfg_.name_glob;
  opts.filter.size_bytes = cfg_.size_bytes;
  opts.filter.type = cfg_.type;
  if (cfg_.newer_path) opts.filter.newer_ctime_s = static_cast<std::int64_t>(newer);
  opts.follow = cfg_.follow;
  opts.stat_all = cfg_.stat_all;
  opts.chunk_entries = static_cast<std::size_t>(cfg_.chunk_entries);
  opts.queue_limit = static_cast<std::size_t>(cfg_.queue_length);
}

int FindLikeTool::open_output(RunContext& ctx) {
  if (cfg_.count_only) return -1;
  if (cfg_.results_dir.empty()) return STDOUT_FILENO;
  const Comm& comm = ctx.comm;
  ctx.step([&] {
    if (comm.is_root() && ::mkdir(cfg_.results_dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw IoError("mkdir", cfg_.results_dir, errno, 0, -1, -1, "-r needs a directory it can create or write");
  });
  int fd = -1;
  ctx.step([&] {
    const std::string path = fmt::format("{}/{}.txt", cfg_.results_dir, comm.rank());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw IoError("open(O_CREAT)", path, errno, comm.rank(), -1, -1, "-r needs a writable directory");
  });
  return fd;
}

void FindLikeTool::run(RunContext& ctx) {
  WalkOptions opts;
  prepare(ctx, opts);
  const int out_fd = open_output(ctx);
  std::optional<double> parallel_s;
  try {
    parallel_s = walk(ctx, opts, false, out_fd);
    if (cfg_.serial) {
      const double serial_s = walk(ctx, opts, true, -1);
      if (ctx.comm.is_root() && !ctx.result.phases.empty()) {
        for (Phase& p : ctx.result.phases)
          if (p.name == "walk")
            p.details["speedup_vs_serial"] = finite_or_null(*parallel_s > 0 ? serial_s / *parallel_s : 0.0);
        ctx.checkpoint();
      }
    }
  } catch (...) {
    if (out_fd > STDOUT_FILENO) ::close(out_fd);
    throw;
  }
  if (out_fd > STDOUT_FILENO) {
    const int rc = ::close(out_fd);
    const int e = errno;
    ctx.step([&] {
      if (rc != 0) throw IoError("close", cfg_.results_dir, e, ctx.comm.rank());
    });
  }
}

double FindLikeTool::walk(RunContext& ctx, const WalkOptions& opts, bool serial, int out_fd) {
  const Comm& comm = ctx.comm;
  const bool walks = !serial || comm.is_root();
  MatchSink sink(walks ? out_fd : -1);
  Walker walker(opts, sink);
  // The walk's messages travel on a communicator of their own.
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Comm_dup(comm.raw(), &dup);
  OwnedComm walk_comm(dup);

  ctx.step([&] {
    if (comm.is_root()) walker.start(cfg_.root);
  });
  const char* phase_name = serial ? "walk_serial" : "walk";
  std::uint64_t next_progress = now_ns() + 5'000'000'000ull;
  const std::uint64_t t_begin = now_ns();
  const auto progress = [&](std::uint64_t now) {
    if (now < next_progress || !ctx.verbose_root()) return;
    next_progress = now + 5'000'000'000ull;
    const double el = static_cast<double>(now - t_begin) * 1e-9;
    std::fprintf(stderr, "find_like: %s: rank 0 has scanned %llu entries (%.0f/s), %zu items queued, %.0f s\n",
                 phase_name, static_cast<unsigned long long>(walker.counters().scanned),
                 static_cast<double>(walker.counters().scanned) / (el > 0 ? el : 1), walker.queued(), el);
  };
  const auto should_stop = [&](std::uint64_t now) { return ctx.stop_requested(now); };

  ShareOutcome out;
  comm.barrier();
  const double cpu0 = cpu_seconds();
  // The walk catches its own failures (they stop it on every rank, then it
  // ends normally), so the collective inside this step cannot be left by
  // one rank alone; the failure is raised in the step after the record.
  ctx.step_keeping_interrupt([&] {
    if (!serial)
      out = parallel_walk(walker, walk_comm.raw(), should_stop, progress);
    else if (comm.is_root())
      out = serial_walk(walker, should_stop, progress);
  });
  if (walks) {
    try {
      sink.flush();
    } catch (const std::exception& e) {
      if (out.local_error.empty()) out.local_error = e.what();
    }
  }

  // Reductions: the span, one gather of per-rank records, the histograms
  // and the error examples.
  const Interval mine = walks ? out.span : Interval{};
  std::vector<SpanStats> spans;
  double span_s = 0;
  if (!serial) {
    spans = reduce_spans(comm, std::span<const Interval>(&mine, 1), ctx.clock);
    span_s = spans[0].span_s();
  } else {
    span_s = mine.duration_s();
  }
  // CPU time beside the wall time shows the share of a core a rank got (a
  // loaded or oversubscribed node makes a rank slow, not the walk).
  RankRecord rec{walker.counters(), out.counters, walks ? mine.duration_s() : 0.0, walks ? cpu_seconds() - cpu0 : 0.0,
                 out.stopped ? 1 : 0};
  const std::vector<RankRecord> ranks = comm.gather_struct(rec);
  reduce_histogram_to_root(comm, walker.open_hist);
  reduce_histogram_to_root(comm, walker.getdents_hist);
  reduce_histogram_to_root(comm, walker.stat_hist);
  const std::vector<std::string> examples = comm.gather(encode_examples(walker.examples()));

  if (comm.is_root()) {
    const std::vector<RankRecord> used = serial ? std::vector<RankRecord>{ranks[0]} : ranks;
    const std::uint64_t scanned = sum_of(used, &WalkCounters::scanned);
    bool stopped = false;
    std::vector<double> per_scanned, per_idle, per_dur;
    nlohmann::json per_rank = nlohmann::json::array();
    for (std::size_t r = 0; r < used.size(); ++r) {
      const RankRecord& x = used[r];
      stopped = stopped || x.stopped;
      per_scanned.push_back(static_cast<double>(x.walk.scanned));
      per_idle.push_back(x.share.idle_s);
      per_dur.push_back(x.duration_s);
      per_rank.push_back({{"rank", r},
                          {"scanned_entries", x.walk.scanned},
                          {"directories", x.walk.dirs},
                          {"stat_calls", x.walk.stats},
                          {"items", x.walk.items_done},
                          {"duration_s", finite_or_null(x.duration_s)},
                          {"idle_s", finite_or_null(x.share.idle_s)},
                          {"cpu_s", finite_or_null(x.cpu_s)},
                          {"steal_requests", x.share.steal_requests},
                          {"steals_with_work", x.share.steals_ok},
                          {"items_received", x.share.items_received},
                          {"items_given", x.share.items_given}});
    }
    Phase p;
    p.name = phase_name;
    p.ops = scanned;
    p.duration_s = span_s;
    p.ops_per_s = rate(static_cast<double>(scanned), span_s);
    p.rank_duration_s = serial ? distribution(per_dur) : spans[0].rank_duration_s;
    if (walker.stat_hist.count()) p.latency = summarize(walker.stat_hist);
    const std::uint64_t files = sum_of(used, &WalkCounters::files);
    nlohmann::json d;
    d["mode"] = serial ? "serial" : "parallel";
    d["ranks"] = used.size();
    d["complete"] = !stopped;
    d["scanned_entries"] = scanned;
    d["dirents"] = sum_of(used, &WalkCounters::dirents);
    d["files"] = files;
    d["directories"] = sum_of(used, &WalkCounters::dirs);
    d["matched"] = sum_of(used, &WalkCounters::matched);
    d["stat_calls"] = sum_of(used, &WalkCounters::stats);
    d["getdents_calls"] = sum_of(used, &WalkCounters::getdents);
    d["unknown_type_entries"] = sum_of(used, &WalkCounters::unknown_type);
    d["errors"] = {{"permission_denied", sum_of(used, &WalkCounters::denied)},
                   {"vanished", sum_of(used, &WalkCounters::vanished)},
                   {"symlink_loops", sum_of(used, &WalkCounters::loops)},
                   {"non_utf8_names", sum_of(used, &WalkCounters::non_utf8)},
                   {"other", sum_of(used, &WalkCounters::other_errors)}};
    d["files_per_s"] = number_or_null(rate(static_cast<double>(files), span_s));
    d["io500_find_kiops"] = number_or_null(rate(static_cast<double>(files) / 1000.0, span_s));
    d["rank_scanned_entries"] = distribution_json(dist_of(per_scanned));
    d["rank_idle_s"] = distribution_json(dist_of(per_idle));
    d["per_rank"] = per_rank;
    d["latency"] = {{"open", hist_json(walker.open_hist)},
                    {"getdents", hist_json(walker.getdents_hist)},
                    {"stat", hist_json(walker.stat_hist)}};
    d["speedup_vs_serial"] = nullptr;
    p.details = d;
    // Warnings: what could not be walked, with examples.
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& text : serial ? std::vector<std::string>{examples[0]} : examples) {
      std::istringstream in(text);
      std::string line;
      while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        auto& v = by_kind[line.substr(0, tab)];
        if (v.size() < Walker::kExamples) v.push_back(line.substr(tab + 1));
      }
    }
    const auto& e = d["errors"];
    const std::vector<std::pair<std::string, std::uint64_t>> kinds = {
        {"permission denied", e["permission_denied"]},
        {"vanished during the walk", e["vanished"]},
        {"symlink loop", e["symlink_loops"]},
        {"not UTF-8", e["non_utf8_names"]},
        {"other error", e["other"]}};
    for (const auto& [kind, n] : kinds) {
      if (n == 0) continue;
      std::string ex;
      for (const auto& m : by_kind[kind]) ex += (ex.empty() ? "" : "; ") + m;
      ctx.warn(fmt::format("{}: {} entr{} {}{}; the walk went on{}", phase_name, n, n == 1 ? "y" : "ies",
                           kind == "not UTF-8" ? "had names that are not valid UTF-8 (tested as bytes)" : kind,
                           kind == "not UTF-8" ? "" : " (counted, not walked)", ex.empty() ? "" : ": e.g. " + ex));
    }
    if (stopped) ctx.warn(fmt::format("{}: the walk was stopped before the end; its counts are partial", phase_name));
    ctx.add_phase(std::move(p));
  }
  // A local failure (e.g. the paths could not be written) fails the run now
  // that the partial walk is on record; a signal becomes exit 4 here.
  ctx.step([&] {
    if (!out.local_error.empty()) throw Error(ExitCode::kRuntime, fmt::format("rank {}: {}", comm.rank(), out.local_error));
  });
  return span_s;
}

}  // namespace pfsbench::find_like
