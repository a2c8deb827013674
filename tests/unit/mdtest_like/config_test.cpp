// The command line: a real mdtest line parses to the same meaning; refused
// and contradictory flags are usage errors before any I/O.
#include "config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pfsbench/error.hpp"

namespace pfsbench::mdtest_like {
namespace {

Config parse(std::vector<std::string> args, int ranks = 4) {
  CLI::App app("t", "mdtest_like");
  Config c;
  add_options(app, c);
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

TEST(Config, Rejected) {
  const std::vector<std::vector<std::string>> bad = {
      {"-n", "1", "-B"},           {"-n", "1", "-c"},        {"-n", "1", "-S"},       {"-n", "1", "-R"},
      {"-n", "1", "-v"},           {"-n", "1", "-x", "f"},   {"-n", "1", "-y"},       {"-n", "1", "-F", "-D"},
      {"-n", "1", "-a", "MPIIO"},  {},                       {"-n", "1", "-X"},       {"-n", "1", "-w", "1k", "-e", "2k"},
      {"-n", "1", "-W", "junk"},   {"-n", "1", "-w", "4x"},  {"-n", "1", "-E", "-D"}, {"-n", "1", "-D", "-e", "1"}};
  for (const auto& args : bad) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_THROW(parse(args), UsageError) << line;
  }
}

}  // namespace
}  // namespace pfsbench::mdtest_like
