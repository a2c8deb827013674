#include "config.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench::mmap_read {

const char* name_of(Api v) noexcept { return v == Api::kMmap ? "mmap" : "pread"; }
const char* name_of(MapMode v) noexcept { return v == MapMode::kWhole ? "whole" : "chunk"; }
const char* name_of(Access v) noexcept { return v == Access::kSeq ? "seq" : "random"; }
const char* name_of(Advice v) noexcept {
  switch (v) {
    case Advice::kNormal: return "normal";
    case Advice::kSequential: return "sequential";
    case Advice::kRandom: return "random";
    case Advice::kWillneed: return "willneed";
    case Advice::kHugepage: return "hugepage";
  }
  return "normal";
}
const char* name_of(Touch v) noexcept { return v == Touch::kChecksum ? "checksum" : "page"; }
const char* name_of(CacheMode v) noexcept { return v == CacheMode::kWarm ? "warm" : "cold"; }

std::uint64_t unit_bytes(const Config& cfg, std::uint64_t page_bytes) noexcept {
  return cfg.access == Access::kRandom && cfg.map == MapMode::kWhole ? page_bytes : cfg.chunk_bytes;
}

std::vector<int> parse_thread_list(const std::string& text) {
  constexpr int kMaxThreads = 1024;
  auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("invalid --threads '{}': {}; give reader threads per rank as a number or a "
                                  "comma-separated list, e.g. --threads 1,2,4",
                                  text, why));
  };
  std::vector<int> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = text.find(',', pos);
    const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    int v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size())
      throw bad(fmt::format("'{}' is not a whole number", item));
    if (v < 1) throw bad("a thread count must be at least 1");
    if (v > kMaxThreads) throw bad(fmt::format("{} threads per rank is more than the limit of {}", v, kMaxThreads));
    if (std::find(out.begin(), out.end(), v) != out.end())
      throw bad(fmt::format("{} appears twice", v));
    out.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

namespace {

template <class E>
CLI::Option* add_enum(CLI::App& app, const std::string& names, E& target,
                      std::vector<std::pair<std::string, E>> values, const std::string& help) {
  return add_choice_option(app, names, target, std::move(values), help);
}

}  // namespace

void add_options(CLI::App& app, Config& cfg) {
  app.add_option("-o,--file", cfg.path, "The one file every reader reads")->required();
  add_size_option(app, "--size", cfg.size_bytes,
                  "Bytes to read; the file is created with the data pattern when missing. With --existing: "
                  "read the first SIZE bytes (default: the whole file)");
  app.add_flag("--existing", cfg.existing,
               "Read an existing file as is (opened read-only, never modified or removed); its checksum is "
               "recorded, not verified");
  app.add_flag("-k,--keep", cfg.keep, "Keep the file this run created (otherwise it is removed at the end)");
  app.add_option_function<std::string>(
         "-t,--threads", [&cfg](const std::string& s) { cfg.threads = parse_thread_list(s); },
         "Reader threads per rank; a list (1,2,4) runs one phase per count: a scaling table")
      ->type_name("N[,N...]")
      ->default_str("1");
  app.add_option_function<std::vector<std::string>>(
         "--api",
         [&cfg](const std::vector<std::string>& v) {
           cfg.apis.clear();
           for (const auto& s : v) {
             const Api a = s == "mmap" ? Api::kMmap : s == "pread" ? Api::kPread : Api::kMmap;
             if (s != "mmap" && s != "pread")
               throw UsageError(fmt::format("invalid --api '{}': known are mmap and pread; e.g. --api mmap,pread "
                                            "runs both on the same bytes",
                                            s));
             if (std::find(cfg.apis.begin(), cfg.apis.end(), a) != cfg.apis.end())
               throw UsageError(fmt::format("--api lists {} twice; name each API once", s));
             cfg.apis.push_back(a);
           }
         },
         "How readers read: mmap, pread (a baseline reading the same bytes into a buffer), or both "
         "(mmap,pread): one phase each")
      ->delimiter(',')
      ->type_name("API[,API]")
      ->default_str("mmap");
  add_enum(app, "--map", cfg.map, {{"whole", MapMode::kWhole}, {"chunk", MapMode::kChunk}},
           "whole: each reader maps the whole file once; chunk: map, read, unmap per --chunk-size");
  add_size_option(app, "--chunk-size", cfg.chunk_bytes,
                  "Unit of access: mapping size of --map chunk, pread size, step between interrupt checks; a "
                  "multiple of the page size");
  add_enum(app, "--access", cfg.access, {{"seq", Access::kSeq}, {"random", Access::kRandom}},
           "seq, or random: a seeded permutation of pages (--map whole) or chunks (--map chunk)");
  app.add_flag("--partition", cfg.partition,
               "Each reader reads its own slice; default: every reader reads the whole file (contended)");
  add_enum(app, "--madvise", cfg.advice,
           {{"normal", Advice::kNormal},
            {"sequential", Advice::kSequential},
            {"random", Advice::kRandom},
            {"willneed", Advice::kWillneed},
            {"hugepage", Advice::kHugepage}},
           "madvise() on every mapping");
  app.add_flag("--populate", cfg.populate, "mmap with MAP_POPULATE (faults the whole mapping in mmap())");
  add_enum(app, "--touch", cfg.touch, {{"checksum", Touch::kChecksum}, {"page", Touch::kPage}},
           "checksum: read every byte into a 64-bit sum checked against the pattern; page: one load per "
           "page (faults only)");
  add_enum(app, "--cache", cfg.cache, {{"warm", CacheMode::kWarm}, {"cold", CacheMode::kCold}},
           "warm: read the file once untimed before each phase; cold: posix_fadvise(DONTNEED) first");
  app.add_flag("--drop-caches", cfg.drop_caches,
               "With --cache cold: also write 1 to /proc/sys/vm/drop_caches (needs root; drops the page cache "
               "of the whole node)");
  app.add_option("-i,--iterations", cfg.iterations, "Repetitions of every phase")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", cfg.seed, "Seed of the data pattern and of the random order")->capture_default_str();
  app.add_option_function<std::string>(
         "--fault.shrink-to",
         [&cfg](const std::string& v) {
           cfg.shrink_to_bytes = static_cast<std::int64_t>(parse_size(v, "--fault.shrink-to", true));
         },
         "Testing only: truncate the file to SIZE once reader 0 has mapped it (a file this run created only), "
         "to exercise the SIGBUS path")
      ->type_name("SIZE")
      ->group("Fault injection (tests)");
}

void validate(const Config& cfg, std::uint64_t page_bytes) {
  if (cfg.path.empty()) throw UsageError("-o is empty; give the path of the file to read");
  if (!cfg.existing && cfg.size_bytes == 0)
    throw UsageError("--size is missing; the file is created with that many bytes; give e.g. --size 1g, or "
                     "--existing to read a file as it is");
  if (cfg.chunk_bytes == 0 || cfg.chunk_bytes % page_bytes != 0)
    throw UsageError(fmt::format("--chunk-size {} is not a multiple of the page size {}; mappings start at page "
                                 "boundaries; use e.g. --chunk-size 16m",
                                 cfg.chunk_bytes, page_bytes));
  if (cfg.drop_caches && cfg.cache != CacheMode::kCold)
    throw UsageError("--drop-caches drops the page cache before a cold read, but --cache is warm; add --cache "
                     "cold or remove --drop-caches");
  if (cfg.existing && cfg.keep)
    throw UsageError("--keep keeps a file this run created, but --existing never creates or removes one; "
                     "remove --keep");
  if (cfg.shrink_to_bytes >= 0 && cfg.existing)
    throw UsageError("--fault.shrink-to truncates the file, but --existing files are never modified; drop one");
  if (cfg.shrink_to_bytes >= 0 && static_cast<std::uint64_t>(cfg.shrink_to_bytes) >= cfg.size_bytes)
    throw UsageError("--fault.shrink-to must be smaller than --size, or nothing shrinks");
  bool has_mmap = std::find(cfg.apis.begin(), cfg.apis.end(), Api::kMmap) != cfg.apis.end();
  if (cfg.shrink_to_bytes >= 0 && !has_mmap)
    throw UsageError("--fault.shrink-to exercises mmap's SIGBUS path; add --api mmap");
}

nlohmann::json to_json(const Config& cfg, std::uint64_t page_bytes) {
  nlohmann::json apis = nlohmann::json::array();
  for (Api a : cfg.apis) apis.push_back(name_of(a));
  nlohmann::json j = {{"file", cfg.path},
                      {"size_bytes", cfg.size_bytes == 0 ? nlohmann::json(nullptr) : nlohmann::json(cfg.size_bytes)},
                      {"existing", cfg.existing},
                      {"keep", cfg.keep},
                      {"threads_per_rank", cfg.threads},
                      {"api", apis},
                      {"map", name_of(cfg.map)},
                      {"chunk_size_bytes", cfg.chunk_bytes},
                      {"unit_bytes", unit_bytes(cfg, page_bytes)},
                      {"page_size_bytes", page_bytes},
                      {"access", name_of(cfg.access)},
                      {"partition", cfg.partition},
                      {"madvise", name_of(cfg.advice)},
                      {"populate", cfg.populate},
                      {"touch", name_of(cfg.touch)},
                      {"cache", name_of(cfg.cache)},
                      {"drop_caches", cfg.drop_caches},
                      {"iterations", cfg.iterations},
                      {"seed", cfg.seed}};
  if (cfg.shrink_to_bytes >= 0) j["fault_shrink_to_bytes"] = cfg.shrink_to_bytes;
  return j;
}

}  // namespace pfsbench::mmap_read
