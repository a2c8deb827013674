// The human summary, and pfind's result lines last (IO500 reads the final
// "MATCHED found/files" line of an external find). Formatting only.

#include <ostream>

#include <fmt/format.h>

#include "find_like_tool.hpp"
#include "pfsbench/report.hpp"

namespace pfsbench::find_like {

void FindLikeTool::report(const RunContext& ctx, std::ostream& out) const {
  const RunResult& r = ctx.result;
  if (r.phases.empty()) return;
  Table t({"phase", "ranks", "scanned", "files", "dirs", "matched", "time_s", "entries/s", "idle_max_s", "errors",
           "speedup"});
  const Phase* parallel = nullptr;
  for (const Phase& p : r.phases) {
    const auto& d = p.details;
    if (p.name == "walk") parallel = &p;
    std::uint64_t errors = 0;
    const nlohmann::json errs = d.value("errors", nlohmann::json::object());
    for (const auto& [k, v] : errs.items())
      if (k != "non_utf8_names") errors += v.get<std::uint64_t>();
    const auto sp = d.value("speedup_vs_serial", nlohmann::json());
    t.add_row({p.name, std::to_string(d.value("ranks", 0)), std::to_string(p.ops),
               std::to_string(d.value("files", 0ull)), std::to_string(d.value("directories", 0ull)),
               std::to_string(d.value("matched", 0ull)), fmt::format("{:.3f}", p.duration_s),
               fixed_or_dash(p.ops_per_s, 0), fmt::format("{:.3f}", d["rank_idle_s"].value("max", 0.0)),
               std::to_string(errors), sp.is_number() ? fmt::format("{:.2f}x", sp.get<double>()) : "-"});
  }
  out << fmt::format("find_like: {}\n", cfg_.root);
  t.print(out);
  out << "entries/s = scanned entries (every entry below the root, and the root) / walk time (earliest start to "
         "latest end over ranks); idle = time a rank had no work\n";
  if (!parallel) return;
  const auto& d = parallel->details;
  // pfind's own lines: rate = files (non-directory entries) / time, in kIOPS.
  const double files = static_cast<double>(d.value("files", 0ull));
  const double secs = parallel->duration_s;
  out << fmt::format("[DONE] rate: {:.3f} kiops time: {:.1f}s found: {} (scanned {} files, scanned dirents: {}, "
                     "unknown dirents: {})\n",
                     secs > 0 ? files / secs / 1000.0 : 0.0, secs, d.value("matched", 0ull),
                     d.value("files", 0ull), d.value("dirents", 0ull), d.value("unknown_type_entries", 0ull));
  out << fmt::format("MATCHED {}/{}\n", d.value("matched", 0ull), d.value("files", 0ull));
}

}  // namespace pfsbench::find_like
