// CLI helpers (cli.hpp) through real CLI11 parses.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "pfsbench/cli.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench {
namespace {

TEST(CommonOptions, ParsedTags) {
  CommonOptions o;
  o.tags = {"prefetch=off", "dioSmallSeqWriteBatching=yes", "expr=a=b", "empty=", "prefetch=on"};
  const auto tags = o.parsed_tags();
  const std::map<std::string, std::string> want = {
      {"prefetch", "on"}, {"dioSmallSeqWriteBatching", "yes"}, {"expr", "a=b"}, {"empty", ""}};
  EXPECT_EQ(tags, want);
  EXPECT_TRUE(CommonOptions{}.parsed_tags().empty());
}

TEST(CommonOptions, BadTagIsAUsageErrorNamingIt) {
  for (const char* bad : {"novalue", "=value", "", "="}) {
    CommonOptions o;
    o.tags = {"ok=1", bad};
    try {
      o.parsed_tags();
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("--tag"), std::string::npos) << msg;
      EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
    }
  }
}

TEST(CommonOptions, ParseFromTheCommandLine) {
  CLI::App app("t", "tool_x");
  CommonOptions o;
  add_common_options(app, o, "tool_x");
  app.parse("--json out.json --label base --tag a=1 --tag b=2 --quiet", false);
  EXPECT_EQ(o.json_path, "out.json");
  EXPECT_EQ(o.label, std::optional<std::string>("base"));
  const std::map<std::string, std::string> want = {{"a", "1"}, {"b", "2"}};
  EXPECT_EQ(o.parsed_tags(), want);
  EXPECT_TRUE(o.quiet);
}

TEST(SizeOption, ParsesIntoTheTarget) {
  const std::vector<std::pair<const char*, std::uint64_t>> cases = {
      {"-b 4k", 4096}, {"-b 4KiB", 4096}, {"--block-size 16m", 16u << 20}, {"--block-size=1g", 1u << 30}, {"", 1u << 20}};
  for (const auto& [line, want] : cases) {
    CLI::App app;
    std::uint64_t block = 1 << 20;
    add_size_option(app, "-b,--block-size", block, "block per rank");
    app.parse(line, false);
    EXPECT_EQ(block, want) << line;
  }
}

TEST(SizeOption, HelpShowsTheDefault) {
  CLI::App app;
  std::uint64_t block = 1 << 20;
  add_size_option(app, "-b,--block-size", block, "block per rank");
  const std::string help = app.help();
  EXPECT_NE(help.find("1m"), std::string::npos) << help;
  EXPECT_NE(help.find("SIZE"), std::string::npos) << help;
}

TEST(SizeOption, JunkAndZeroAreUsageErrorsNamingTheOption) {
  for (const char* line : {"-b 4x", "-b 0", "-b -1", "--block-size 1.5k", "-b 9999999999999999999"}) {
    CLI::App app;
    std::uint64_t block = 1 << 20;
    add_size_option(app, "-b,--block-size", block, "block per rank");
    try {
      app.parse(line, false);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("-b"), std::string::npos) << e.what();
    }
    EXPECT_EQ(block, 1u << 20) << line;  // untouched
  }
}

TEST(SizeOption, ZeroWhenAllowed) {
  CLI::App app;
  std::uint64_t skip = 5;
  add_size_option(app, "--skip", skip, "bytes to skip", /*allow_zero=*/true);
  app.parse("--skip 0", false);
  EXPECT_EQ(skip, 0u);
}

enum class Order { kSeq, kRandom };

TEST(ChoiceOption, NamesAreCaseInsensitiveAndHelpListsThem) {
  for (const auto& [line, want] : std::vector<std::pair<std::string, Order>>{
           {"--access random", Order::kRandom}, {"--access SEQ", Order::kSeq}, {"", Order::kSeq}}) {
    CLI::App app;
    Order order = Order::kSeq;
    add_choice_option(app, "--access", order, {{"seq", Order::kSeq}, {"random", Order::kRandom}}, "order");
    app.parse(line, false);
    EXPECT_EQ(order, want) << line;
    const std::string help = app.help();
    EXPECT_NE(help.find("seq|random=seq"), std::string::npos) << help;
  }
}

TEST(ChoiceOption, NumbersAndUnknownNamesAreUsageErrorsListingTheChoices) {
  // CLI11's CheckedTransformer would take "1" as the enum's value; we don't.
  for (const char* line : {"--access 1", "--access 0", "--access rand"}) {
    CLI::App app;
    Order order = Order::kSeq;
    add_choice_option(app, "--access", order, {{"seq", Order::kSeq}, {"random", Order::kRandom}}, "order");
    try {
      app.parse(line, false);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("--access"), std::string::npos) << msg;
      EXPECT_NE(msg.find("seq|random"), std::string::npos) << msg;
    }
    EXPECT_EQ(order, Order::kSeq) << line;
  }
}

TEST(ChoiceOption, BoolChoicesTakeOnlyTheirNames) {
  CLI::App app;
  bool direct = true;
  add_choice_option(app, "--direct", direct, {{"1", true}, {"0", false}}, "O_DIRECT");
  app.parse("--direct 0", false);
  EXPECT_FALSE(direct);
  CLI::App app2;
  add_choice_option(app2, "--direct", direct, {{"1", true}, {"0", false}}, "O_DIRECT");
  EXPECT_THROW(app2.parse("--direct 2", false), UsageError);
  EXPECT_THROW(app2.parse("--direct yes", false), UsageError);
}

TEST(Unsupported, FlagAndOptionThrowNamingTheFlag) {
  struct Case {
    const char* names;
    bool takes_value;
    const char* line;
  };
  for (const Case& c : {Case{"-O", true, "-O summaryFile=x"}, Case{"-X", false, "-X"},
                        Case{"-q,--quit-on-error", false, "--quit-on-error"}}) {
    CLI::App app("", "ior_like");
    add_unsupported(app, c.names, "some IOR feature", c.takes_value);
    try {
      app.parse(c.line, false);
      ADD_FAILURE() << "accepted: " << c.line;
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(c.names), std::string::npos) << msg;
      EXPECT_NE(msg.find("not implemented"), std::string::npos) << msg;
      EXPECT_NE(msg.find("some IOR feature"), std::string::npos) << msg;
    }
  }
}

TEST(Unsupported, AbsentFlagIsFine) {
  CLI::App app("", "ior_like");
  add_unsupported(app, "-O", "IOR directives", true);
  add_unsupported(app, "-X", "reorder", false);
  EXPECT_NO_THROW(app.parse("", false));
}

TEST(UsageLine, Format) { EXPECT_EQ(usage_line("ior_like", "bad -t"), "ior_like: error: bad -t"); }

}  // namespace
}  // namespace pfsbench

namespace pfsbench {
namespace {

std::vector<std::string> split(const std::vector<const char*>& args) {
  std::vector<const char*> argv;
  argv.reserve(args.size() + 1);
  argv.push_back("tool");
  for (const char* a : args) argv.push_back(a);
  return split_short_equals(static_cast<int>(argv.size()), argv.data());
}

TEST(SplitShortEquals, IorAndMdtestShortEqualsFormIsSplit) {
  // IO500's driver writes "-t=4096", "-G=271", "-o=/path".
  EXPECT_EQ(split({"-t=4096", "-G=271", "-o=/a=b"}),
            (std::vector<std::string>{"-t", "4096", "-G", "271", "-o", "/a=b"}));
}

TEST(SplitShortEquals, EverythingElsePassesUnchanged) {
  const std::vector<std::string> same = {"-t", "4k", "--json=x.json", "-wr", "-O", "a=b", "=x", "-=", "-1=2", "-w="};
  std::vector<const char*> raw;
  for (const auto& a : same) raw.push_back(a.c_str());
  std::vector<std::string> want = same;
  want.back() = "-w";     // "-w=" is the short form with an empty value
  want.push_back("");
  EXPECT_EQ(split(raw), want);
}

}  // namespace
}  // namespace pfsbench
