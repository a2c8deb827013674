#include "run.hpp"

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "pfsbench/aligned_buffer.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"
#include "pfsbench/pattern.hpp"
#include "pfsbench/progress.hpp"
#include "pfsbench/rank_stats.hpp"
#include "pfsbench/report.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::ior_like {
namespace {

// One rank's timestamps of a data phase, on its own monotonic clock.
struct RankTimes {
  Interval total;  // open start .. close end: the headline span
  Interval open, io, fsync, close;
};
enum SpanIndex { kTotal, kOpen, kIo, kFsync, kClose, kSpanCount };

nlohmann::json number_or_null(std::optional<double> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

double ns_to_s(std::uint64_t ns) { return static_cast<double>(ns) * 1e-9; }

class Runner {
 public:
  Runner(const Config& cfg, RunContext& ctx, IoBackend& backend)
      : cfg_(cfg), ctx_(ctx), be_(backend), comm_(ctx.comm), layout_(cfg.layout(ctx.comm.size())) {}

  void run() {
    prepare();
    try {
      for (int it = 0; it < cfg_.iterations; ++it) {
        if (cfg_.do_write()) {
          data_phase(OpenMode::kWrite, it);
          if (cfg_.check_write) verify_pass("write_check", comm_.rank(), it);
        }
        if (cfg_.do_read()) {
          data_phase(OpenMode::kRead, it);
          if (cfg_.check_read) verify_pass("read_check", sources_[static_cast<std::size_t>(comm_.rank())], it);
        }
        if (!cfg_.keep && cfg_.do_write()) ctx_.step([&] { remove_created(); });
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
      if (cfg_.odirect) {
        const FsInfo fs = probe_filesystem(cfg_.path);
        if (fs.dio_mem_align_bytes) align = std::max<std::size_t>(align, *fs.dio_mem_align_bytes);
        const std::uint64_t off_align = fs.dio_offset_align_bytes.value_or(fs.block_size_bytes ? fs.block_size_bytes : 4096);
        if (cfg_.transfer_bytes % off_align != 0 || cfg_.block_bytes % off_align != 0)
          throw UsageError(fmt::format(
              "with O_DIRECT (-B) on {} every offset and size must be a multiple of {} bytes, but -t is {} "
              "and -b is {}; choose multiples of {} or drop -B",
              fs.fs_type, off_align, cfg_.transfer_bytes, cfg_.block_bytes, off_align));
      }
      buffer_ = AlignedBuffer(cfg_.transfer_bytes, align);
    });
    // Whose data each rank reads.
    int shift = 0;
    if (cfg_.read_order() == ReadOrder::kShift) {
      int on_first_node = 0;
      for (int n : ctx_.layout.node_of_rank) on_first_node += n == 0 ? 1 : 0;
      shift = on_first_node;
      if (ctx_.layout.node_count == 1)
        ctx_.warn("-C: all ranks run on one node, so shifting by the ranks per node makes every rank read its own "
                  "data and the client cache is not defeated; run on several nodes or use -Z");
    }
    sources_ = read_sources(layout_.ranks, cfg_.read_order(), shift, cfg_.seed);
    // Which files this run creates (and may remove): those absent now.
    if (cfg_.do_write() && be_.caps().creates_files) {
      bool existed = false;
      ctx_.step([&] {
        const bool owner = cfg_.file_per_process || comm_.is_root();
        my_file_ = data_file(cfg_.path, cfg_.file_per_process, comm_.rank());
        existed = owner && be_.exists(my_file_);
        i_create_ = owner && !existed;
      });
      if (!comm_.all_ok(!existed) && !cfg_.keep)
        ctx_.warn("the test file(s) at -o existed before the run: they are overwritten but not removed "
                  "(pfsbench removes only what it created)");
    }
    if (ctx_.verbose_root()) print_header();
  }

  std::uint64_t pattern_seed(int data_rank) const noexcept {
    // Each file of -F gets its own pattern, so reading another rank's file
    // by mistake fails verification.
    return cfg_.file_per_process ? cfg_.seed ^ (0x9e3779b97f4a7c15ull * (static_cast<std::uint64_t>(data_rank) + 1))
                                 : cfg_.seed;
  }

  void data_phase(OpenMode mode, int iteration) {
    const bool writing = mode == OpenMode::kWrite;
    const char* name = writing ? "write" : "read";
    const int me = comm_.rank();
    const int data_rank = writing ? me : sources_[static_cast<std::size_t>(me)];
    const std::string file = data_file(cfg_.path, cfg_.file_per_process, data_rank);
    const std::size_t xfer = cfg_.transfer_bytes;
    const std::uint64_t n = layout_.transfers_per_rank();
    const DataPattern pattern(pattern_seed(data_rank));
    PatternBuffer pbuf(pattern, std::span<std::byte>(buffer_.data(), xfer));
    if (writing) pbuf.prepare(nth_transfer_offset(layout_, data_rank, 0));  // full fill, outside the window
    hist_.clear();
    RankTimes t;
    Progress progress(ctx_.verbose_root(), fmt::format("{} iteration {}/{}", name, iteration + 1, cfg_.iterations),
                      layout_.bytes_per_rank(), "bytes", cfg_.progress_interval_s);

    comm_.barrier();  // phases start together, as in IOR
    ctx_.step([&] {
      // Timing: one clock read per transfer; each transfer's latency runs
      // from the end of the previous call (or of open) to the end of its own.
      const std::uint64_t t_open = now_ns();
      auto fh = be_.open(file, mode, OpenOptions{cfg_.odirect}, me);
      std::uint64_t last = now_ns();
      t.open = {ns_to_s(t_open), ns_to_s(last)};
      const std::uint64_t io_start = last;
      std::uint64_t done = 0;
      for (std::uint64_t i = 0; i < n; ++i) {
        // A signal, or another rank's failure (EarlyStop): step() turns
        // it into "interrupted" or the other rank's error.
        if (ctx_.stop_requested(last)) return;
        const std::uint64_t off = nth_transfer_offset(layout_, data_rank, i);
        if (writing)
          fh->write_at(pbuf.prepare(off).data(), xfer, off);
        else
          fh->read_at(buffer_.data(), xfer, off);
        const std::uint64_t now = now_ns();
        hist_.record(now - last);
        last = now;
        done += xfer;
        progress.update(done, now);
      }
      t.io = {ns_to_s(io_start), ns_to_s(last)};
      if (cfg_.fsync && writing) {
        fh->fsync();
        const std::uint64_t now = now_ns();
        t.fsync = {ns_to_s(last), ns_to_s(now)};
        last = now;
      } else {
        t.fsync = {ns_to_s(last), ns_to_s(last)};
      }
      fh->close();
      const std::uint64_t t_close = now_ns();
      t.close = {ns_to_s(last), ns_to_s(t_close)};
      t.total = {ns_to_s(t_open), ns_to_s(t_close)};
    });

    const Interval local[kSpanCount] = {t.total, t.open, t.io, t.fsync, t.close};
    const std::vector<SpanStats> spans = reduce_spans(comm_, local, ctx_.clock);
    reduce_histogram_to_root(comm_, hist_);
    if (!comm_.is_root()) return;

    // Definitions (DESIGN.md, as IOR):
    //  duration_s            = latest close end - earliest open start over ranks
    //                          (fsync included with -e)
    //  bandwidth_bytes_per_s = all bytes of all ranks / duration_s
    //  ops_per_s             = all transfers of all ranks / duration_s (same denominator)
    //  io_duration_s         = latest end of the last transfer - earliest start of
    //                          the first transfer (the I/O-only span, no open/close/fsync)
    //  open/fsync/close_duration_s = earliest start to latest end of that step
    Phase p;
    p.name = name;
    p.iteration = iteration;
    p.ops = n * static_cast<std::uint64_t>(layout_.ranks);
    p.bytes = p.ops * xfer;
    p.duration_s = spans[kTotal].span_s();
    p.bandwidth_bytes_per_s = rate(static_cast<double>(p.bytes), p.duration_s);
    p.ops_per_s = rate(static_cast<double>(p.ops), p.duration_s);
    p.rank_duration_s = spans[kTotal].rank_duration_s;
    p.latency = summarize(hist_);
    const double io_s = spans[kIo].span_s();
    p.details = {
        {"access", name},
        {"api", be_.name()},
        {"file_per_process", cfg_.file_per_process},
        {"files", cfg_.file_per_process ? layout_.ranks : 1},
        {"read_order", writing ? "own" : read_order_name(cfg_.read_order())},
        {"io_duration_s", io_s},
        {"io_bandwidth_bytes_per_s", number_or_null(rate(static_cast<double>(p.bytes), io_s))},
        {"io_ops_per_s", number_or_null(rate(static_cast<double>(p.ops), io_s))},
        {"rank_io_duration_s",
         {{"min", spans[kIo].rank_duration_s.min},
          {"median", spans[kIo].rank_duration_s.median},
          {"max", spans[kIo].rank_duration_s.max}}},
        {"open_duration_s", spans[kOpen].span_s()},
        {"fsync_duration_s", cfg_.fsync && writing ? nlohmann::json(spans[kFsync].span_s()) : nlohmann::json(nullptr)},
        {"close_duration_s", spans[kClose].span_s()},
    };
    if (ctx_.verbose_root()) print_row(p);
    ctx_.add_phase(std::move(p));
  }

  // Reads back `data_rank`'s data and checks it against the pattern, timed
  // apart from the phase it checks.
  void verify_pass(const char* name, int data_rank, int iteration) {
    const std::string file = data_file(cfg_.path, cfg_.file_per_process, data_rank);
    const DataPattern pattern(pattern_seed(data_rank));
    const std::size_t xfer = cfg_.transfer_bytes;
    DataPattern::CheckResult first;
    std::uint64_t bad_bytes = 0, checked = 0;
    Interval span;
    comm_.barrier();
    ctx_.step([&] {
      span.start_s = now_s();
      auto fh = be_.open(file, OpenMode::kRead, OpenOptions{cfg_.odirect}, comm_.rank());
      for (std::uint64_t i = 0; i < layout_.transfers_per_rank(); ++i) {
        if (ctx_.stop_requested()) return;
        const std::uint64_t off = nth_transfer_offset(layout_, data_rank, i);
        fh->read_at(buffer_.data(), xfer, off);
        if (!be_.caps().creates_files) continue;  // the null backend reads nothing
        const auto r = pattern.check(std::span<const std::byte>(buffer_.data(), xfer), off);
        checked += xfer;
        if (!r.ok) {
          if (first.ok) first = r;
          bad_bytes += r.bad_bytes;
        }
      }
      fh->close();
      span.end_s = now_s();
    });
    const SpanStats s = reduce_spans(comm_, std::span<const Interval>(&span, 1), ctx_.clock).front();
    const nlohmann::json mine = {{"ok", first.ok}, {"offset", first.first_bad_offset}, {"expected", first.expected},
                                 {"found", first.found}, {"bad", bad_bytes}, {"checked", checked}, {"file", file}};
    const std::vector<std::string> all = comm_.gather(mine.dump());
    if (!comm_.is_root()) return;
    VerificationCheck check;
    check.phase = name;
    check.iteration = iteration;
    check.duration_s = s.span_s();
    for (std::size_t r = 0; r < all.size(); ++r) {
      const auto j = nlohmann::json::parse(all[r]);
      check.bytes_checked += j["checked"].get<std::uint64_t>();
      if (j["ok"].get<bool>()) continue;
      check.passed = false;
      const auto offset = j["offset"].get<std::uint64_t>();
      // Keep the lowest offset (then lowest rank) as "the first" mismatch.
      if (!check.first_mismatch || offset < check.first_mismatch->offset)
        check.first_mismatch = Mismatch{j["file"].get<std::string>(), offset, j["expected"].get<std::uint32_t>(),
                                        j["found"].get<std::uint32_t>(), j["bad"].get<std::uint64_t>(),
                                        static_cast<int>(r)};
    }
    ctx_.result.verification.enabled = true;
    if (ctx_.verbose_root()) {
      if (check.passed)
        ctx_.out << fmt::format("{:<11} passed: {} verified in {:.3f} s\n", name, format_bytes(check.bytes_checked),
                                check.duration_s);
      else
        ctx_.out << fmt::format("{:<11} FAILED: first wrong byte at offset {} of {} (rank {}): expected 0x{:02x}, "
                                "found 0x{:02x}; {} wrong bytes in that rank's data\n",
                                name, check.first_mismatch->offset, check.first_mismatch->path,
                                check.first_mismatch->rank, check.first_mismatch->expected,
                                check.first_mismatch->found, check.first_mismatch->mismatched_bytes);
    }
    ctx_.result.verification.checks.push_back(std::move(check));
    ctx_.checkpoint();
  }

  void remove_created() {
    if (i_create_) be_.remove(my_file_, comm_.rank());
  }

  void print_header() const {
    const int nodes = ctx_.layout.node_count;
    ctx_.out << fmt::format(
        "ior_like: api {}, {} {}, {} ranks on {} node{}, block {}, transfer {}, {} segment{}, {} iteration{}\n",
        be_.name(), cfg_.file_per_process ? "file per process" : "shared file", cfg_.path, layout_.ranks, nodes,
        nodes == 1 ? "" : "s", format_bytes(cfg_.block_bytes), format_bytes(cfg_.transfer_bytes), cfg_.segments,
        cfg_.segments == 1 ? "" : "s", cfg_.iterations, cfg_.iterations == 1 ? "" : "s");
    ctx_.out << fmt::format("{:<6} {:>11} {:>10} {:>11} {:>11} {:>11} {:>10} {:>9} {:>9} {:>9} {:>9} {:>4}\n",
                            "access", "bw(MiB/s)", "IOPS", "lat_p50(ms)", "lat_p99(ms)", "block(KiB)", "xfer(KiB)",
                            "open(s)", "wr/rd(s)", "close(s)", "total(s)", "iter");
    ctx_.out.flush();
  }

  void print_row(const Phase& p) const {
    auto pct = [&](double want) {
      for (const auto& [pp, ns] : p.latency->percentiles)
        if (pp == want) return ns / 1e6;
      return 0.0;
    };
    ctx_.out << fmt::format(
        "{:<6} {:>11} {:>10} {:>11.3f} {:>11.3f} {:>11.0f} {:>10.0f} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f} {:>4}\n",
        p.name, fixed_or_dash(p.bandwidth_bytes_per_s ? std::optional<double>(*p.bandwidth_bytes_per_s / kMiB)
                                                      : std::nullopt),
        fixed_or_dash(p.ops_per_s, 1), pct(50.0), pct(99.0), static_cast<double>(cfg_.block_bytes) / 1024.0,
        static_cast<double>(cfg_.transfer_bytes) / 1024.0, p.details["open_duration_s"].get<double>(),
        p.details["io_duration_s"].get<double>(), p.details["close_duration_s"].get<double>(), p.duration_s,
        p.iteration);
    ctx_.out.flush();
  }

  const Config& cfg_;
  RunContext& ctx_;
  IoBackend& be_;
  const Comm& comm_;
  const Layout layout_;
  std::vector<int> sources_;
  AlignedBuffer buffer_;
  LatencyHistogram hist_;
  std::string my_file_;
  bool i_create_ = false;
};

}  // namespace

void run(const Config& cfg, RunContext& ctx, IoBackend& backend) { Runner(cfg, ctx, backend).run(); }

void print_summary(const RunResult& result, std::ostream& out) {
  const auto rows = summarize_phases(result.phases);
  if (rows.empty()) return;
  Table table({"operation", "max(MiB/s)", "min(MiB/s)", "mean(MiB/s)", "stddev", "max(OPs)", "min(OPs)",
               "mean(OPs)", "stddev", "mean(s)", "iterations"});
  for (const auto& bw : rows) {
    if (bw.metric != "bandwidth_bytes_per_s") continue;
    const SummaryRow* ops = nullptr;
    const SummaryRow* dur = nullptr;
    for (const auto& r : rows) {
      if (r.phase != bw.phase) continue;
      if (r.metric == "ops_per_s") ops = &r;
      if (r.metric == "duration_s") dur = &r;
    }
    auto mib = [](double v) { return fmt::format("{:.2f}", v / kMiB); };
    auto sd = [](const std::optional<double>& v, double scale) {
      return v ? fmt::format("{:.2f}", *v / scale) : std::string("-");
    };
    table.add_row({bw.phase, mib(bw.stats.max), mib(bw.stats.min), mib(bw.stats.mean), sd(bw.stats.stddev, kMiB),
                   ops ? fmt::format("{:.2f}", ops->stats.max) : "-", ops ? fmt::format("{:.2f}", ops->stats.min) : "-",
                   ops ? fmt::format("{:.2f}", ops->stats.mean) : "-", ops ? sd(ops->stats.stddev, 1.0) : "-",
                   dur ? fmt::format("{:.4f}", dur->stats.mean) : "-", fmt::format("{}", bw.stats.count)});
  }
  out << "\nSummary over iterations (bandwidth and OPs share one denominator: first open to last close):\n";
  table.print(out);
}

}  // namespace pfsbench::ior_like
