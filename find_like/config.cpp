#include "config.hpp"

#include <fmt/format.h>

#include "filter.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::find_like {

std::vector<std::string> rewrite_find_words(std::vector<std::string> args) {
  for (auto& a : args)
    if (a == "-newer" || a == "-size" || a == "-name" || a == "-type" || a == "-follow" || a == "-regex") a = "-" + a;
  return args;
}

void add_options(CLI::App& app, Config& cfg) {
  app.add_option("root", cfg.root, "The directory tree to walk (read-only)")->required();
  app.add_option("--newer", cfg.newer_path,
                 "-newer FILE: entries whose ctime (seconds) is >= FILE's ctime (pfind's rule; IO500's "
                 "timestampfile)");
  app.add_option("--size", cfg.size_text, "-size Nc: entries of exactly N bytes (pfind: only the c unit)");
  app.add_option("--name", cfg.name_glob, "-name GLOB: entries whose name matches the shell pattern (fnmatch)");
  app.add_option("--type", cfg.type_text, "-type c: f d l b c p s");
  app.add_flag("-C,--count-only", cfg.count_only, "Only count matches, print no paths (pfind -C)");
  app.add_option("-r,--results-dir", cfg.results_dir,
                 "Write each rank's matched paths to DIR/<rank>.txt instead of stdout (pfind -r)");
  app.add_option("-q,--queue-length", cfg.queue_length,
                 "Work items a rank holds before it stops reading its open directory ahead (pfind -q)")
      ->capture_default_str();
  app.add_option("-M,--chunk-entries", cfg.chunk_entries,
                 "Directory entries per work item: a big directory leaves its reader in chunks of this "
                 "many names that any rank can steal")
      ->capture_default_str();
  app.add_flag("-L,--follow", cfg.follow,
               "Follow symlinks (GNU find -L); loops are detected, counted and not descended");
  app.add_flag("--stat-all", cfg.stat_all,
               "lstat every entry (rsync's and mpifileutils' cost), not only when a predicate needs it");
  app.add_flag("--serial", cfg.serial,
               "Also walk with rank 0 alone (the one-process baseline of GNU find or rsync), after the "
               "parallel walk, and state the speedup");
  const std::string ro = "find_like is read-only and never deletes";
  add_unsupported(app, "-e", "pfind: erase matched files; " + ro);
  add_unsupported(app, "-E", "pfind: erase empty directories; " + ro);
  add_unsupported(app, "-N", "pfind: steal from the next rank; find_like steals from random ranks");
  add_unsupported(app, "-H", "pfind: hashed readdir; find_like always splits big directories into chunks", true);
  add_unsupported(app, "-s", "pfind: stonewall timer", true);
  add_unsupported(app, "-D", "pfind: debug output; find_like always prints the rate", true);
  add_unsupported(app, "-P", "pfind: per-process output; see the document's per-rank figures");
  add_unsupported(app, "-v", "pfind: verbosity");
  add_unsupported(app, "--regex", "pfind: -regex; use -name GLOB", true);
}

void validate(Config& cfg, bool json_to_stdout) {
  if (cfg.root.empty()) throw UsageError("the directory to walk is empty; give a directory, e.g. find_like /data");
  if (!cfg.size_text.empty()) cfg.size_bytes = parse_find_size(cfg.size_text);
  if (!cfg.type_text.empty()) cfg.type = parse_find_type(cfg.type_text);
  if (cfg.newer_path && cfg.newer_path->empty())
    throw UsageError("-newer '' names no file; give the reference file, e.g. -newer $RES/timestampfile");
  if (cfg.queue_length < 10)
    throw UsageError(fmt::format("-q {} is too small; a rank's queue must hold at least 10 work items (as pfind); "
                                 "use e.g. -q 10000",
                                 cfg.queue_length));
  if (cfg.chunk_entries < 1 || cfg.chunk_entries > 1000000)
    throw UsageError(fmt::format("-M {} is out of range; give 1 to 1000000 entries per work item", cfg.chunk_entries));
  if (json_to_stdout && !cfg.count_only && cfg.results_dir.empty())
    throw UsageError("--json - puts the document on stdout, where the matched paths would go too; add -C (count "
                     "only) or -r DIR, or write the document to a file");
  if (cfg.count_only && !cfg.results_dir.empty())
    throw UsageError("-C (count only) and -r DIR (write the paths) contradict each other; give one of them");
}

nlohmann::json to_json(const Config& cfg) {
  nlohmann::json j;
  j["root"] = cfg.root;
  j["newer"] = cfg.newer_path ? nlohmann::json(*cfg.newer_path) : nlohmann::json(nullptr);
  j["size_bytes"] = cfg.size_bytes ? nlohmann::json(*cfg.size_bytes) : nlohmann::json(nullptr);
  j["name"] = cfg.name_glob ? nlohmann::json(*cfg.name_glob) : nlohmann::json(nullptr);
  j["type"] = cfg.type ? nlohmann::json(std::string(1, *cfg.type)) : nlohmann::json(nullptr);
  j["count_only"] = cfg.count_only;
  j["results_dir"] = cfg.results_dir.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.results_dir);
  j["queue_length"] = cfg.queue_length;
  j["chunk_entries"] = cfg.chunk_entries;
  j["follow_symlinks"] = cfg.follow;
  j["stat_all"] = cfg.stat_all;
  j["serial_baseline"] = cfg.serial;
  return j;
}

}  // namespace pfsbench::find_like
