#include "run.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <memory>

#include <fmt/format.h>

#include "backends/backends.hpp"
#include "hints.hpp"
#include "console.hpp"
#include "phase_io.hpp"
#include "rank_report.hpp"
#include "pfsbench/stonewall_status.hpp"
#include "pfsbench/aligned_buffer.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/dio_align.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/json_values.hpp"
#include "pfsbench/mismatch.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/result_json.hpp"
#include "pfsbench/watchdog.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {
namespace {

enum SpanIndex { kTotal, kOpen, kIo, kFsync, kClose, kStonewall, kWearOut, kSpanCount };

// Transfer counts of one phase over all ranks (from one all-reduce).
struct PhaseCounts {
  std::vector<std::uint64_t> per_rank;  ///< transfers each rank did, by rank
  std::uint64_t transfers = 0;          ///< all ranks
  std::uint64_t stonewall_transfers = 0;  ///< all ranks, at their stonewall
  std::uint64_t stonewall_min = 0, stonewall_max = 0;
  std::uint64_t min = 0, max = 0;
  bool deadline_hit = false;  ///< some rank stopped at the deadline
};

class Runner {
 public:
  Runner(const Config& cfg, RunContext& ctx, IoBackend& backend)
      : cfg_(cfg), ctx_(ctx), be_(backend), comm_(ctx.comm), self_(MPI_COMM_SELF), layout_(cfg.layout(ctx.comm.size())),
        order_(layout_, cfg.random_offsets, cfg.offset_seed()) {}

  void run() {
    prepare();
    if (be_.caps().collective_open && cfg_.collective_timeout_s > 0) {
      collective_limit_.limit_ns = static_cast<std::uint64_t>(cfg_.collective_timeout_s * 1e9);
      collective_limit_.advice = collective_advice_.c_str();
    }
    // A collective call stuck while the filesystem still answers (the
    // library's deadlock): this rank's files go, by local unlinks (the stuck
    // handle keeps its inode).
    if (!cfg_.keep)
      ctx_.on_collective_stuck = [this] { remove_created(); };
    const std::uint64_t run_start_ns = now_ns();
    try {
      for (int it = 0; it < cfg_.iterations; ++it) {
        if (it > 0 && out_of_time(run_start_ns, it)) break;
        if (it > 0) idle(cfg_.delay_s);
        bool checks_ok = true;
        if (cfg_.do_write()) {
          data_phase(OpenMode::kWrite, it);
          if (cfg_.check_write) checks_ok = verify_pass("write_check", comm_.rank(), it, last_transfers_);
        }
        if (cfg_.do_read() && checks_ok) {
          checks_ok = data_phase(OpenMode::kRead, it);
          if (cfg_.check_read && cfg_.check_apart)
            checks_ok = verify_pass("read_check", sources_[static_cast<std::size_t>(comm_.rank())], it,
                                    last_transfers_);
        }
        if (!cfg_.keep && cfg_.do_write()) ctx_.step([&] { remove_created(); });
        if (!checks_ok) {
          ctx_.warn(fmt::format("-q: the run stopped at the failed check of iteration {}", it));
          break;
        }
      }
    } catch (const CollectiveError&) {
      // Agreed failure: leave nothing behind that we created, unless -k.
      if (!cfg_.keep) {
        try {
          remove_created();
        } catch (const Error&) {
        }
      }
      throw;
    }
  }

 private:
  // -T: rank 0's clock decides, for every rank, whether iteration `it`
  // still starts (IOR checks between iterations, never inside a phase).
  bool out_of_time(std::uint64_t run_start_ns, int it) {
    if (cfg_.max_time_min <= 0) return false;
    const double elapsed_s = static_cast<double>(now_ns() - run_start_ns) * 1e-9;
    std::uint64_t over = comm_.is_root() && elapsed_s >= cfg_.max_time_min * 60 ? 1 : 0;
    comm_.bcast(over);
    if (over == 0) return false;
    ctx_.warn(fmt::format("-T {}: the run stopped after {} of {} iterations, its time limit reached", cfg_.max_time_min,
                          it, cfg_.iterations));
    return true;
  }

  // -d: every rank idles on its own clock (the next phase's barrier lines
  // them up again); a signal ends the wait at once and the next step turns
  // it into exit 4.
  static void idle(double seconds) {
    if (seconds <= 0) return;
    const std::uint64_t end = now_ns() + static_cast<std::uint64_t>(seconds * 1e9);
    const timespec slice{0, 10'000'000};
    while (now_ns() < end && !interrupt_requested()) nanosleep(&slice, nullptr);
  }

  // Everything that can be refused before any I/O, agreed on by all ranks.
  void prepare() {
    ctx_.step([&] {
      const std::uint64_t kMax = static_cast<std::uint64_t>(INT64_MAX);
      const auto ranks = static_cast<std::uint64_t>(layout_.ranks);
      if (layout_.segments > kMax / layout_.block_bytes / ranks)
        throw UsageError(fmt::format("-s {} x -b {} x {} ranks exceeds 2^63 bytes; lower -s or -b",
                                     layout_.segments, format_size_short(layout_.block_bytes), ranks));
      if (be_.caps().creates_files) require_writable_dir(parent_dir(cfg_.path), "-o " + cfg_.path, comm_.rank());
      std::size_t align = 4096;
      if (cfg_.backend.odirect) {
        const DioAlignment a = probe_dio_alignment(cfg_.path);
        const DioSize sizes[] = {{"-t", cfg_.transfer_bytes, false}, {"-b", cfg_.block_bytes, true}};
        if (auto problem = dio_alignment_problem(sizes, 0, a, "drop -B")) throw UsageError(*problem);
        align = dio_buffer_alignment(a);
      }
      buffer_ = AlignedBuffer(cfg_.transfer_bytes, align);
    });
    if (be_.caps().hints) load_hints();
    if (!cfg_.status_file.empty() && !cfg_.do_write()) load_status();
    choose_sources();
    // Which files this run creates (and may remove): those absent now.
    if (cfg_.do_write() && be_.caps().creates_files) {
      bool existed = false;
      ctx_.step([&] {
        const bool owner = cfg_.file_per_process || comm_.is_root();
        my_file_ = data_file(cfg_.path, cfg_.file_per_process, comm_.rank());
        existed = owner && be_.exists(my_file_);
        i_create_ = owner && !existed && !cfg_.use_existing;  // -E: the files are the user's
      });
      if (!comm_.all_ok(!existed) && !cfg_.keep && !cfg_.use_existing)
        ctx_.warn("the test file(s) at -o existed before the run: they are overwritten but not removed "
                  "(pfsbench removes only what it created)");
    }
    if (!cfg_.data_packet_type.empty())
      ctx_.warn(fmt::format("-l {}: ior_like always writes its own pattern (seeded by -G, keyed by the offset, "
                            "incompressible); IOR's packet types are not reproduced, the request is only recorded",
                            cfg_.data_packet_type));
    if (ctx_.verbose_root()) print_header(ctx_.out, cfg_, be_.name(), layout_.ranks, ctx_.layout.node_count);
  }

  // Whose data each rank reads: its own, -Z's permutation, or -C's rank -Q
  // nodes further with the same place on its node, whatever the mapping of
  // ranks to nodes (a shift by the ranks per node, IOR's rule, stays on the
  // same node under a cyclic mapping and reads from the client cache).
  void choose_sources() {
    sources_ = read_sources(layout_.ranks, cfg_.read_order(), 0, cfg_.seed);
    if (cfg_.read_order() != ReadOrder::kShift) return;
    const int q = cfg_.task_per_node_offset;
    const std::vector<int>& node_of = ctx_.layout.node_of_rank;
    if (auto by_node = node_shift_sources(node_of, q)) {
      sources_ = std::move(*by_node);
    } else {
      int on_first_node = 0;
      for (int n : node_of) on_first_node += n == 0 ? 1 : 0;
      sources_ = read_sources(layout_.ranks, ReadOrder::kShift, q * on_first_node, cfg_.seed);
      ctx_.warn(fmt::format("-C -Q {}: the nodes hold different numbers of ranks, so each rank reads the rank {} x "
                            "{} (the first node's ranks) further, IOR's rule; some may read data of their own node",
                            q, q, on_first_node));
    }
    std::size_t same_node = 0;
    for (std::size_t r = 0; r < sources_.size(); ++r)
      same_node += node_of[static_cast<std::size_t>(sources_[r])] == node_of[r] ? 1 : 0;
    if (same_node == sources_.size())
      ctx_.warn(fmt::format("-C -Q {}: with {} ranks on {}, every rank reads data written on its own node, so the "
                            "client cache is not defeated; run on more nodes, change -Q or use -Z",
                            q, layout_.ranks,
                            ctx_.layout.node_count == 1 ? std::string("one node")
                                                        : fmt::format("{} nodes", ctx_.layout.node_count)));
  }

  // Rank 0 reads the hints (environment and file) and shares them, inside a
  // step: a missing or bad file is one agreed usage error, never a rank
  // that returns alone (IOR's hints-file read did).
  void load_hints() {
    std::string shared;
    ctx_.step([&] {
      if (!comm_.is_root()) return;
      Hints hints = hints_from_environment(environ);
      if (const std::string file = hints_file(cfg_); !file.empty()) {
        const auto text = read_small_file(file);
        if (!text)
          throw UsageError(fmt::format("cannot read the hints file {} ({}); check the path given to -U or "
                                       "--{}.hintsFileName",
                                       file, errno_text(errno), find_backend(cfg_.api).name));
        hints = merge_hints(std::move(hints), parse_hints_file(*text, file));
      }
      for (const auto& name : hints.ignored)
        ctx_.warn(fmt::format("{} is a GPFS ioctl hint of IOR, which ior_like does not issue: not applied", name));
      shared = nlohmann::json(hints.mpi).dump();
    });
    comm_.bcast(shared);
    hints_ = nlohmann::json::parse(shared).get<std::map<std::string, std::string>>();
  }

  // Rank 0 reads the status file and shares the count, inside a step: a
  // missing or corrupt file is one agreed usage error on every rank, before
  // any I/O (IOR's rank 0 returned alone and the others hung).
  void load_status() { status_count_ = load_status_count(ctx_, cfg_.status_file, status_use()); }

  StatusFileUse status_use() const {
    return {"-O stoneWallingStatusFile", "transfers",
            fmt::format("run the write phase first with -O stoneWallingStatusFile={}", cfg_.status_file),
            layout_.transfers_per_rank(), "this run's -b/-t/-s"};
  }

  const Comm& file_comm() const noexcept { return cfg_.file_per_process ? self_ : comm_; }

  OpenRequest open_request(const std::string& file, OpenMode mode, int data_rank) const {
    OpenRequest r;
    r.path = file;
    r.mode = mode;
    r.layout = layout_;
    r.data_rank = cfg_.file_per_process ? 0 : data_rank;
    r.collective = cfg_.collective;
    r.hints = hints_;
    r.options = &cfg_.backend;
    r.rank = comm_.rank();
    return r;
  }

  std::uint64_t pattern_seed(int data_rank) const noexcept {
    // Each file of -F gets its own pattern, so reading another rank's file
    // by mistake fails verification.
    return cfg_.file_per_process ? cfg_.seed ^ (0x9e3779b97f4a7c15ull * (static_cast<std::uint64_t>(data_rank) + 1))
                                 : cfg_.seed;
  }

  // -z -z: the file's existing size in -b blocks (IOR stats the file to
  // read before opening it); a file smaller than one block is an agreed
  // usage error (IOR divides by zero there).
  std::uint64_t existing_file_blocks(const std::string& file) {
    std::uint64_t size = layout_.file_bytes();  // the null backend has no file: the layout's size
    ctx_.step([&] {
      if (!be_.caps().creates_files) return;
      struct stat sb;
      if (::stat(file.c_str(), &sb) != 0)
        throw IoError("stat", file, errno, comm_.rank(), -1, -1,
                      "-z -z reads random blocks of the existing file: write it first with the same -o and -F");
      size = static_cast<std::uint64_t>(sb.st_size);
      if (size < cfg_.block_bytes)
        throw UsageError(fmt::format("-z -z reads random -b {} blocks of {}, but it holds {} bytes, less than one "
                                     "block; write more data first or lower -b",
                                     format_size_short(cfg_.block_bytes), file, size));
    });
    return size / cfg_.block_bytes;
  }

  // -z -z: which offsets the read visited, over all ranks: the transfers,
  // and the distinct offsets (per file with -F, summed; of the one file
  // without, gathered on rank 0). COLLECTIVE.
  nlohmann::json visited_json(std::uint64_t file_blocks) {
    const std::uint64_t visits = visited_.size();
    std::sort(visited_.begin(), visited_.end());
    visited_.erase(std::unique(visited_.begin(), visited_.end()), visited_.end());
    std::vector<std::uint64_t> v = {visits, visited_.size()};
    comm_.allreduce_sum(v);
    std::uint64_t distinct = v[1];
    if (!cfg_.file_per_process && comm_.size() > 1) {
      const std::string mine(reinterpret_cast<const char*>(visited_.data()), visited_.size() * sizeof(std::uint64_t));
      const std::vector<std::string> all = comm_.gather(mine);
      if (comm_.is_root()) {
        std::vector<std::uint64_t> merged;
        for (const std::string& part : all) {
          const std::size_t n = part.size() / sizeof(std::uint64_t);
          const std::size_t at = merged.size();
          merged.resize(at + n);
          std::memcpy(merged.data() + at, part.data(), n * sizeof(std::uint64_t));
        }
        std::sort(merged.begin(), merged.end());
        distinct = static_cast<std::uint64_t>(std::unique(merged.begin(), merged.end()) - merged.begin());
      }
    }
    visited_.clear();
    visited_.shrink_to_fit();
    return {{"file_blocks", file_blocks}, {"transfers_visited", v[0]}, {"distinct_offsets", distinct}};
  }

  // Returns false when -R found a mismatch and -q stops the run (the same on every rank).
  bool data_phase(OpenMode mode, int iteration) {
    const bool writing = mode == OpenMode::kWrite;
    const char* name = writing ? "write" : "read";
    const int data_rank = writing ? comm_.rank() : sources_[static_cast<std::size_t>(comm_.rank())];
    const std::string file = data_file(cfg_.path, cfg_.file_per_process, data_rank);
    const DataPattern pattern(pattern_seed(data_rank));
    phase_order_ = order_;
    if (!writing && cfg_.random_blocks())
      phase_order_ = TransferOrder::random_blocks(layout_, cfg_.offset_seed(), existing_file_blocks(file));
    const TransferOrder& order = phase_order_;
    // -R as IOR's READCHECK: each transfer is compared as it is read, inside the phase's time.
    const bool check_in_window = !writing && cfg_.check_read && !cfg_.check_apart;
    const bool check_bytes = check_in_window && be_.caps().creates_files;  // the null backend reads nothing
    RankMismatch mine;
    std::uint64_t checked = 0, check_ns = 0;
    PatternBuffer pbuf(pattern, std::span<std::byte>(buffer_.data(), cfg_.transfer_bytes));
    if (writing) pbuf.prepare(order.offset(data_rank, 0));  // full fill, outside the window
    hist_.clear();
    Progress progress(ctx_.verbose_root(), fmt::format("{} iteration {}/{}", name, iteration + 1, cfg_.iterations),
                      layout_.bytes_per_rank(), "bytes", cfg_.progress_interval_s);
    PhaseIo io{be_, file_comm(), open_request(file, mode, data_rank), planned_transfers(writing, data_rank),
               cfg_.transfer_bytes, cfg_.fsync, {}, [&](std::uint64_t done, std::uint64_t now) {
                 progress.update(done, now);
               }};
    io.deadline_s = cfg_.deadline_s;
    io.wear_out = cfg_.wear_out;
    io.barriers = cfg_.intra_test_barriers;
    io.min_duration_s = cfg_.min_time_s;
    io.transfers_per_segment = layout_.transfers_per_block();
    const bool record_visits = !writing && order.file_blocks() > 0;
    io.transfer = [&](std::uint64_t i, FileHandle& fh, std::size_t size) {
      const std::uint64_t off = order.offset(data_rank, i);
      if (writing) {
        fh.write_at(size ? pbuf.prepare(off).data() : buffer_.data(), size, off);
        if (cfg_.fsync_per_write && size != 0) fh.fsync();  // -Y: inside this transfer's latency
        return;
      }
      fh.read_at(buffer_.data(), size, off);
      if (size == 0) return;
      if (record_visits) visited_.push_back(off);
      if (!check_bytes) return;
      const std::uint64_t c0 = now_ns();
      const auto r = pattern.check(std::span<const std::byte>(buffer_.data(), size), off);
      checked += size;
      if (!r.ok) {
        if (!mine.any) {
          mine.any = true;
          mine.offset = r.first_bad_offset;
          mine.expected = r.expected;
          mine.found = r.found;
        }
        mine.mismatched_bytes += r.bad_bytes;
      }
      check_ns += now_ns() - c0;
    };
    io.watchdog = collective_limit_.limit_ns != 0 ? &collective_limit_ : nullptr;
    current_file_ = file;
    collective_limit_.path = current_file_.c_str();
    comm_.barrier();  // phases start together, as in IOR
    const PhaseTimes t = run_phase_io(ctx_, io, hist_);
    // What a check reads back: one pass at most (-O minTimeDuration repeats it).
    last_transfers_ = std::min(t.transfers_done, io.transfers);
    const Interval local[kSpanCount] = {t.total, t.open, t.io, t.fsync, t.close, t.stonewall, t.wear_out};
    const std::vector<SpanStats> spans = reduce_spans(comm_, local, ctx_.clock);
    const PhaseCounts counts = reduce_counts(t);
    if (writing) {
      written_counts_ = counts.per_rank;
      // Every rank holds at least this many transfers of its data (all
      // the same with wear-out or collective transfers).
      if (!cfg_.status_file.empty())
        store_status_count(ctx_, cfg_.status_file, status_use(), std::min(counts.min, layout_.transfers_per_rank()));
    }
    reduce_histogram_to_root(comm_, hist_);
    std::vector<RankFigures> per_rank;
    if (cfg_.verbosity >= 2 || !cfg_.rank_details_csv.empty())
      per_rank = comm_.gather_struct(
          RankFigures{t.transfers_done, t.total.end_s - t.total.start_s, t.io.end_s - t.io.start_s});
    nlohmann::json extra = nlohmann::json::object();
    if (record_visits) extra["random_blocks"] = visited_json(order.file_blocks());
    std::optional<VerificationCheck> check;
    bool go_on = true;
    if (check_in_window) {
      std::vector<std::uint64_t> sums = {checked};
      comm_.allreduce_sum(sums);
      const double check_s = comm_.allreduce_max(static_cast<double>(check_ns) * 1e-9);
      const std::optional<RankedMismatch> first = gather_first_mismatch(comm_, mine);
      go_on = !cfg_.quit_on_error || comm_.all_ok(!mine.any);
      if (comm_.is_root()) {
        const double io_only_s = spans[kTotal].span_s() - check_s;
        extra["read_check"] = {
            {"in_window", true},
            {"check_duration_s", check_s},
            {"bandwidth_without_check_bytes_per_s",
             number_or_null(rate(static_cast<double>(counts.transfers * cfg_.transfer_bytes), io_only_s))}};
        check.emplace();
        check->phase = "read_check";
        check->iteration = iteration;
        check->duration_s = check_s;
        check->bytes_checked = sums[0];
        if (first) {
          check->passed = false;
          check->first_mismatch = to_mismatch(first->mismatch, first->rank,
                                              data_file(cfg_.path, cfg_.file_per_process,
                                                        sources_[static_cast<std::size_t>(first->rank)]));
        }
      }
    }
    if (comm_.is_root()) {
      if (cfg_show_hints_once(t.facts)) print_hints(ctx_.out, t.facts);
      record_phase(name, iteration, spans, t.facts, counts, std::move(extra));
      if (check) {
        ctx_.result.verification.enabled = true;
        if (ctx_.verbose_root()) print_check(ctx_.out, *check);
        ctx_.result.verification.checks.push_back(std::move(*check));
      }
      if (cfg_.verbosity >= 2) print_rank_figures(std::cerr, per_rank, host_of_rank(), cfg_.transfer_bytes);
    }
    if (!cfg_.rank_details_csv.empty())
      ctx_.step([&] {
        if (comm_.is_root()) append_rank_csv(cfg_.rank_details_csv, name, per_rank, cfg_.transfer_bytes);
      });
    if (check_in_window) ctx_.checkpoint();
    return go_on;
  }

  std::vector<std::string> host_of_rank() const {
    std::vector<std::string> hosts;
    for (int node : ctx_.layout.node_of_rank) {
      const auto n = static_cast<std::size_t>(node);
      hosts.push_back(n < ctx_.layout.hosts.size() ? ctx_.layout.hosts[n] : "?");
    }
    return hosts;
  }

  // How many transfers a rank does in a phase: a write, all of -b/-s (less
  // if the deadline stops it); a read, what is on disk: the count the write
  // phase of this run left for that data, else -O
  // stoneWallingWearOutIterations, else the status file's count, else all.
  std::uint64_t planned_transfers(bool writing, int data_rank) const {
    const std::uint64_t all = layout_.transfers_per_rank();
    if (writing) return all;
    std::uint64_t n = all;
    if (!written_counts_.empty())
      // Collective transfers on a shared file must run the same count on
      // every rank (they do: the write stopped on one index everywhere),
      // and so must a backend with collective segment changes (HDF5), whose
      // passes (-O minTimeDuration) must begin the same segments everywhere.
      n = (cfg_.collective || be_.caps().segment_points) && !cfg_.file_per_process
              ? *std::min_element(written_counts_.begin(), written_counts_.end())
              : written_counts_[static_cast<std::size_t>(data_rank)];
    else if (status_count_)
      n = *status_count_;
    n = std::min(n, all);  // -O minTimeDuration may have written the pattern more than once
    if (cfg_.wear_out_iterations > 0) n = std::min(n, cfg_.wear_out_iterations);
    return n;
  }

  // COLLECTIVE: one all-reduce of every rank's counts.
  PhaseCounts reduce_counts(const PhaseTimes& t) const {
    const auto ranks = static_cast<std::size_t>(layout_.ranks);
    const auto me = static_cast<std::size_t>(comm_.rank());
    std::vector<std::uint64_t> v(2 * ranks + 1, 0);
    v[me] = t.transfers_done;
    v[ranks + me] = t.stonewall_transfers;
    v[2 * ranks] = t.deadline_hit ? 1 : 0;
    comm_.allreduce_sum(v);
    PhaseCounts c;
    c.per_rank.assign(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(ranks));
    const auto sw_begin = v.begin() + static_cast<std::ptrdiff_t>(ranks);
    const auto sw_end = sw_begin + static_cast<std::ptrdiff_t>(ranks);
    for (std::uint64_t n : c.per_rank) c.transfers += n;
    for (auto it = sw_begin; it != sw_end; ++it) c.stonewall_transfers += *it;
    c.min = *std::min_element(c.per_rank.begin(), c.per_rank.end());
    c.max = *std::max_element(c.per_rank.begin(), c.per_rank.end());
    c.stonewall_min = *std::min_element(sw_begin, sw_end);
    c.stonewall_max = *std::max_element(sw_begin, sw_end);
    c.deadline_hit = v[2 * ranks] != 0;
    return c;
  }

  // Definitions (DESIGN.md, as IOR):
  //  duration_s            = latest close end - earliest open start over ranks
  //                          (fsync included with -e)
  //  bandwidth_bytes_per_s = all bytes of all ranks / duration_s
  //  ops_per_s             = all transfers of all ranks / duration_s (same denominator)
  //  io_duration_s         = latest end of the last transfer - earliest start of
  //                          the first transfer (the I/O-only span, no open/close/fsync)
  //  open/fsync/close_duration_s = earliest start to latest end of that step
  //  metadata_duration_s   = open + fsync + close spans: for HDF5 the file and
  //                          dataset create/open, flush and close (h5bench's split)
  void record_phase(const char* name, int iteration, const std::vector<SpanStats>& spans,
                    const nlohmann::json& facts, const PhaseCounts& counts, nlohmann::json extra) {
    const bool writing = std::string_view(name) == "write";
    Phase p;
    p.name = name;
    p.iteration = iteration;
    p.ops = counts.transfers;
    p.bytes = p.ops * cfg_.transfer_bytes;
    p.duration_s = spans[kTotal].span_s();
    p.bandwidth_bytes_per_s = rate(static_cast<double>(p.bytes), p.duration_s);
    p.ops_per_s = rate(static_cast<double>(p.ops), p.duration_s);
    p.rank_duration_s = spans[kTotal].rank_duration_s;
    p.latency = summarize(hist_);
    const double io_s = spans[kIo].span_s();
    const double fsync_s = cfg_.fsync && writing ? spans[kFsync].span_s() : 0.0;
    const bool reading_other_ranks = !writing && cfg_.read_order() != ReadOrder::kOwn;
    p.details = {
        {"access", name},
        {"api", be_.name()},
        {"collective", cfg_.collective},
        {"file_per_process", cfg_.file_per_process},
        {"files", cfg_.file_per_process ? layout_.ranks : 1},
        {"ranks", layout_.ranks},
        {"random_offsets", cfg_.random_offsets > 0},
        {"intra_test_barriers", cfg_.intra_test_barriers},
        {"read_order", writing ? "own" : read_order_name(cfg_.read_order())},
        // Whose data each rank read and how many read data written on their
        // own node (-C/-Z only), so a multi-node run shows it defeated the
        // client cache: with the environment's rank_node_runs, the writer's
        // and the reader's host of every rank.
        {"read_from_ranks", reading_other_ranks ? nlohmann::json(sources_) : nlohmann::json(nullptr)},
        {"ranks_reading_own_node_data", reading_other_ranks ? nlohmann::json(same_node_readers()) : nlohmann::json(nullptr)},
        {"io_duration_s", io_s},
        {"io_bandwidth_bytes_per_s", number_or_null(rate(static_cast<double>(p.bytes), io_s))},
        {"io_ops_per_s", number_or_null(rate(static_cast<double>(p.ops), io_s))},
        {"rank_io_duration_s",
         {{"min", spans[kIo].rank_duration_s.min},
          {"median", spans[kIo].rank_duration_s.median},
          {"max", spans[kIo].rank_duration_s.max}}},
        {"open_duration_s", spans[kOpen].span_s()},
        {"fsync_duration_s", cfg_.fsync && writing ? nlohmann::json(fsync_s) : nlohmann::json(nullptr)},
        {"close_duration_s", spans[kClose].span_s()},
        {"metadata_duration_s", spans[kOpen].span_s() + fsync_s + spans[kClose].span_s()},
        {"backend", facts},
        {"transfers_per_rank", {{"min", counts.min}, {"max", counts.max}}},
        {"stonewall", stonewall_json(spans, counts)},
    };
    p.details.update(extra);
    if (ctx_.verbose_root()) print_row(ctx_.out, p, cfg_);
    if (cfg_.verbosity >= 1) print_phase_detail(std::cerr, p, cfg_.deadline_s);
    ctx_.add_phase(std::move(p));
  }

  // Definitions (docs/ior_like.md, Stonewalling): the stonewall is where each rank's main
  // loop ended (the -D deadline, or its last transfer if it finished first).
  //  stonewall_duration_s = latest stonewall - earliest open start
  //  bytes_at_stonewall   = all ranks' bytes done at their stonewall
  //  stonewall_bandwidth_bytes_per_s = bytes_at_stonewall / stonewall_duration_s:
  //                         an AGGREGATE over ranks, not IOR's per-process
  //                         "Stonewall(MiB)" column
  //  wear_out_duration_s  = latest end of the wear-out transfers - earliest stonewall
  nlohmann::json stonewall_json(const std::vector<SpanStats>& spans, const PhaseCounts& counts) {
    if (cfg_.deadline_s <= 0) return nullptr;
    const double sw_s = spans[kStonewall].span_s();
    const std::uint64_t sw_bytes = counts.stonewall_transfers * cfg_.transfer_bytes;
    if (cfg_.wear_out && counts.stonewall_max > 2 * counts.stonewall_min)
      ctx_.warn(fmt::format("stonewalling wear-out is unbalanced: ranks had done between {} and {} transfers at the "
                            "deadline (more than 2x apart), so the slowest ranks wore out for {:.3f} s after it; "
                            "the headline includes that tail, the stonewall figures do not",
                            counts.stonewall_min, counts.stonewall_max, spans[kWearOut].span_s()));
    return {{"deadline_s", cfg_.deadline_s},
            {"deadline_hit", counts.deadline_hit},
            {"wear_out", cfg_.wear_out},
            {"transfers_at_stonewall", {{"min", counts.stonewall_min}, {"max", counts.stonewall_max}}},
            {"bytes_at_stonewall", sw_bytes},
            {"stonewall_duration_s", sw_s},
            {"stonewall_bandwidth_bytes_per_s", number_or_null(rate(static_cast<double>(sw_bytes), sw_s))},
            {"wear_out_duration_s", cfg_.wear_out ? nlohmann::json(spans[kWearOut].span_s()) : nlohmann::json(nullptr)}};
  }


  bool cfg_show_hints_once(const nlohmann::json& facts) {
    if (!show_hints(cfg_) || hints_shown_ || !facts.is_object() || !facts.contains("hints_in_effect")) return false;
    hints_shown_ = true;
    return true;
  }


  // Reads back `data_rank`'s data through the backend and checks it against
  // the pattern, timed apart from the phase it checks: the `transfers`
  // this rank moved in that phase (fewer than -b/-s after a deadline).
  // Returns false when the check failed and -q stops the run (the same on
  // every rank).
  bool verify_pass(const char* name, int data_rank, int iteration, std::uint64_t transfers) {
    const std::string file = data_file(cfg_.path, cfg_.file_per_process, data_rank);
    const DataPattern pattern(pattern_seed(data_rank));
    const std::size_t xfer = cfg_.transfer_bytes;
    RankMismatch mine;
    std::uint64_t checked = 0;
    PhaseIo io{be_, file_comm(), open_request(file, OpenMode::kRead, data_rank), transfers, xfer, false, {}, {}};
    io.transfer = [&](std::uint64_t i, FileHandle& fh, std::size_t size) {
      const std::uint64_t off = phase_order_.offset(data_rank, i);
      fh.read_at(buffer_.data(), size, off);
      if (size == 0 || !be_.caps().creates_files) return;  // the null backend reads nothing
      const auto r = pattern.check(std::span<const std::byte>(buffer_.data(), xfer), off);
      checked += xfer;
      if (r.ok) return;
      if (!mine.any) {
        mine.any = true;
        mine.offset = r.first_bad_offset;
        mine.expected = r.expected;
        mine.found = r.found;
      }
      mine.mismatched_bytes += r.bad_bytes;
    };
    LatencyHistogram unused;
    io.watchdog = collective_limit_.limit_ns != 0 ? &collective_limit_ : nullptr;
    io.transfers_per_segment = layout_.transfers_per_block();
    current_file_ = file;
    collective_limit_.path = current_file_.c_str();
    comm_.barrier();
    const PhaseTimes t = run_phase_io(ctx_, io, unused);
    const SpanStats s = reduce_spans(comm_, std::span<const Interval>(&t.total, 1), ctx_.clock).front();
    const std::uint64_t all_checked = comm_.allreduce_sum(checked);
    const std::optional<RankedMismatch> first = gather_first_mismatch(comm_, mine);
    const bool go_on = !cfg_.quit_on_error || comm_.all_ok(!mine.any);
    if (!comm_.is_root()) return go_on;
    VerificationCheck check;
    check.phase = name;
    check.iteration = iteration;
    check.duration_s = s.span_s();
    check.bytes_checked = all_checked;
    if (first) {
      check.passed = false;
      // Rank r read the data of sources_[r] (-R) or its own (-W).
      const int reader = first->rank;
      const int owner = std::string_view(name) == "read_check" ? sources_[static_cast<std::size_t>(reader)] : reader;
      check.first_mismatch = to_mismatch(first->mismatch, reader, data_file(cfg_.path, cfg_.file_per_process, owner));
    }
    ctx_.result.verification.enabled = true;
    if (ctx_.verbose_root()) print_check(ctx_.out, check);
    ctx_.result.verification.checks.push_back(std::move(check));
    ctx_.checkpoint();
    return go_on;
  }


  void remove_created() {
    if (i_create_) be_.remove(my_file_, comm_.rank());
  }



  const Config& cfg_;
  RunContext& ctx_;
  IoBackend& be_;
  const Comm& comm_;
  const Comm self_;
  const Layout layout_;
  const TransferOrder order_;  // -z or in sequence
  TransferOrder phase_order_{order_};  // the last data phase's (-z -z: over its file's blocks)
  std::vector<std::uint64_t> visited_;  // -z -z: offsets this rank read in the current phase
  std::map<std::string, std::string> hints_;
  bool hints_shown_ = false;
  std::string current_file_;                   // for the watchdog's message
  CollectiveLimit collective_limit_;          // MPIIO and HDF5 only
  const std::string collective_advice_ = fmt::format(
      "the I/O library is stuck in a collective call (Open MPI's OMPIO and HDF5 can hang there after an I/O error "
      "on one rank, see the errors above); the job is aborted rather than left hanging; try OMPI_MCA_io=romio321, "
      "or raise --collective-timeout if the call is only slow");
  std::vector<int> sources_;

  // How many ranks read data written on their own node.
  int same_node_readers() const {
    int n = 0;
    const auto& node_of = ctx_.layout.node_of_rank;
    for (std::size_t r = 0; r < sources_.size(); ++r)
      n += node_of[static_cast<std::size_t>(sources_[r])] == node_of[r] ? 1 : 0;
    return n;
  }
  AlignedBuffer buffer_;
  LatencyHistogram hist_;
  std::string my_file_;
  bool i_create_ = false;
  std::vector<std::uint64_t> written_counts_;  // by rank: transfers of the last write phase
  std::optional<std::uint64_t> status_count_;  // from -O stoneWallingStatusFile (read-only runs)
  std::uint64_t last_transfers_ = 0;            // this rank's transfers in the last data phase
};

}  // namespace

void run(const Config& cfg, RunContext& ctx, IoBackend& backend) { Runner(cfg, ctx, backend).run(); }

}  // namespace pfsbench::ior_like
