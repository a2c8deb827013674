// The command line: a real mdtest line parses to the same meaning; refused
// and contradictory flags are usage errors before any I/O.
#include "config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "file_content.hpp"
#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {
namespace {

// As tool_main parses: "-X=value" split first (split_short_equals).
Config parse(const std::vector<std::string>& given, int ranks = 4) {
  CLI::App app("t", "mdtest_like");
  Config c;
  add_options(app, c);
  std::vector<const char*> argv = {"mdtest_like"};
  for (const auto& a : given) argv.push_back(a.c_str());
  std::vector<std::string> args = split_short_equals(static_cast<int>(argv.size()), argv.data());
  std::reverse(args.begin(), args.end());  // CLI11 takes them reversed
  app.parse(args);
  validate(c, ranks);
  return c;
}

TEST(Config, RealMdtestLine) {
  const Config c = parse({"-i", "3", "-n", "1000", "-C", "-E", "-T", "-r", "-d", "/gpfs/dir", "-w", "4k", "-e", "4k",
                          "-u", "-N", "1", "-W", "5", "-X"});
  EXPECT_EQ(c.iterations, 3);
  EXPECT_EQ(c.layout.items_per_rank, 1000u);
  EXPECT_TRUE(c.create && c.stat && c.read && c.remove);
  EXPECT_TRUE(c.do_files && c.do_dirs);
  EXPECT_EQ(c.dir, "/gpfs/dir");
  EXPECT_EQ(c.write_bytes, 4096u);
  EXPECT_EQ(c.read_bytes, 4096u);
  EXPECT_TRUE(c.unique_dir);
  EXPECT_EQ(c.stride, 1);
  EXPECT_DOUBLE_EQ(c.stonewall_s, 5.0);
  EXPECT_TRUE(c.verify_read);
  const auto j = config_json(c);
  EXPECT_EQ(j.at("items_per_rank"), 1000);
  EXPECT_EQ(j.at("write_bytes"), 4096);
  EXPECT_EQ(j.at("stonewall_s"), 5.0);
}

TEST(Config, NoPhaseFlagMeansAll) {
  const Config c = parse({"-n", "10"});
  EXPECT_TRUE(c.create && c.stat && c.read && c.remove);
}

TEST(Config, OnlyCreateFilesOneDir) {
  const Config c = parse({"-n", "1", "-C", "-F", "-d", "x"});
  EXPECT_TRUE(c.create);
  EXPECT_FALSE(c.stat || c.read || c.remove);
  EXPECT_TRUE(c.do_files);
  EXPECT_FALSE(c.do_dirs);
  EXPECT_EQ(c.tree.dir_count(), 1u);
}

TEST(Config, TreeAndLeafOnly) {
  const Config c = parse({"-z", "2", "-b", "3", "-L", "-I", "4"});
  EXPECT_EQ(c.layout.items_per_rank, 36u);
  EXPECT_EQ(c.layout.first_item_dir, 4u);
}

TEST(Config, Io500MdtestEasyAndHardLines) {
  // IO500's mdtest-easy write and mdtest-hard read lines (scaled down), as
  // its C driver passes them: "-G=<n>" and "-G <n>" both.
  const Config easy = parse({"-n", "1000", "-u", "-L", "-F", "-P", "-G", "123", "-N", "1", "-d", "/d/mdtest-easy",
                             "-x", "/r/mdtest-easy.stonewall", "-C", "-Y", "-W", "5", "-a", "POSIX"});
  EXPECT_TRUE(easy.print_rate_and_time && easy.sync_after_phase && easy.unique_dir && easy.leaf_only);
  EXPECT_EQ(easy.data_seed, 123u);
  EXPECT_EQ(easy.status_file, "/r/mdtest-easy.stonewall");
  EXPECT_EQ(easy.path_resolution, PathResolution::kFull);  // mdtest's work per item by default
  const Config hard = parse({"-n", "1000", "-t", "-w", "3901", "-e", "3901", "-P", "-G=456", "-N", "1", "-F", "-d",
                             "/d/mdtest-hard", "-x", "/r/mdtest-hard.stonewall", "-E", "-X"});
  EXPECT_TRUE(hard.time_dir_overhead && hard.read && hard.verify_read);
  EXPECT_FALSE(hard.create);
  EXPECT_EQ(hard.content_seed(), 456u);
  const auto j = config_json(hard);
  EXPECT_EQ(j.at("data_seed"), 456);
  EXPECT_EQ(j.at("path_resolution"), "full");
  EXPECT_EQ(j.at("stonewall_status_file"), "/r/mdtest-hard.stonewall");
  EXPECT_EQ(j.at("time_working_dir_overhead"), true);
  EXPECT_TRUE(j.at("random_seed").is_null());
}

TEST(Config, NewFlagsDefaultsAndRecord) {
  const Config d = parse({"-n", "10"});
  EXPECT_EQ(d.content_seed(), kContentSeed);  // -C -w and a later -E -X check each other
  EXPECT_FALSE(d.random_order || d.fsync_after_write || d.sync_after_phase || d.time_dir_overhead);
  const Config r = parse({"-n", "10", "-T", "--random-seed", "7", "--path-resolution", "DirFd", "-C", "-F", "-w",
                          "1k", "-y"});
  EXPECT_TRUE(r.random_order);  // a seed alone asks for the random order, as mdtest
  EXPECT_EQ(r.random_seed, 7u);
  EXPECT_TRUE(r.fsync_after_write);
  EXPECT_EQ(r.path_resolution, PathResolution::kDirFd);
  const auto j = config_json(r);
  EXPECT_EQ(j.at("random_seed"), 7);
  EXPECT_EQ(j.at("random_order"), true);
  EXPECT_EQ(j.at("path_resolution"), "dirfd");
  EXPECT_EQ(j.at("fsync_after_write"), true);
}

TEST(Config, Rejected) {
  const std::vector<std::vector<std::string>> bad = {
      {"-n", "1", "-B"},           {"-n", "1", "-c"},        {"-n", "1", "-S"},       {"-n", "1", "-C", "-R"},
      {"-n", "1", "-v"},           {"-n", "1", "-x", "f"},   {"-n", "1", "-y"},       {"-n", "1", "-F", "-D"},
      {"-n", "1", "-a", "MPIIO"},  {},                       {"-n", "1", "-X"},       {"-n", "1", "-w", "1k", "-e", "2k"},
      {"-n", "1", "-W", "junk"},   {"-n", "1", "-w", "4x"},  {"-n", "1", "-E", "-D"}, {"-n", "1", "-D", "-e", "1"},
      // -y needs a file create that writes; -x one kind; -R a stat or read;
      // a path mode that exists; seeds that are numbers.
      {"-n", "1", "-C", "-F", "-y"}, {"-n", "1", "-T", "-F", "-w", "1k", "-y"}, {"-n", "1", "-C", "-x", "f"},
      {"-n", "1", "-r", "--random-seed", "3"}, {"-n", "1", "--path-resolution", "absolute"},
      {"-n", "1", "-G", "x"},      {"-n", "1", "-T", "--random-seed", "-1"},
      {"-n", "1", "-d", std::string(5000, 'd')}};
  for (const auto& args : bad) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_THROW(parse(args), UsageError) << line;
  }
}

TEST(Config, NegativeSeedAndPacketTypeOfIo500Lines) {
  // IO500 isc26's mdtest-easy and mdtest-hard lines
  Config e = parse({"--dataPacketType=timestamp", "-n", "200000", "-u", "-L", "-F", "-P", "-G", "-1557317757", "-N",
                    "1", "-d", "D/mdtest-easy", "-x", "R/mdtest-easy.stonewall", "-C", "-Y", "-W", "5",
                    "--saveRankPerformanceDetails=R/mdtest-easy-write.csv", "-a", "POSIX"});
  EXPECT_EQ(e.data_seed, -1557317757);
  EXPECT_EQ(e.content_seed(), static_cast<std::uint64_t>(std::int64_t{-1557317757}));
  EXPECT_EQ(e.data_packet_type, "timestamp");
  EXPECT_EQ(e.rank_details_csv, "R/mdtest-easy-write.csv");
  Config h = parse({"--dataPacketType=timestamp", "-n", "200000", "-t", "-w", "3901", "-e", "3901", "-P",
                    "-G=-1557307069", "-N", "1", "-F", "-d", "D/mdtest-hard", "-x", "R/s", "-E", "-X"});
  EXPECT_EQ(h.data_seed, -1557307069);
  EXPECT_EQ(parse({"-n", "1", "-G", "2147483647"}).data_seed, 2147483647);
  EXPECT_THROW(parse({"-n", "1", "-G", "2147483648"}), UsageError);
  EXPECT_THROW(parse({"-n", "1", "-G", "-2147483649"}), UsageError);
  EXPECT_THROW(parse({"-n", "1", "-G=1e3"}), UsageError);
  EXPECT_THROW(parse({"-n", "1", "--dataPacketType=zeros"}), CLI::ValidationError);
}

}  // namespace
}  // namespace pfsbench::mdtest_like
