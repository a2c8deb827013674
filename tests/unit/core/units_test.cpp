// Strict size and duration parsing (units.hpp): every accepted spelling,
// every rejected one, and the limits. A size typo must never run a benchmark
// of the wrong size, so each rejection is a UsageError that names the option.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/units.hpp"

namespace pfsbench {
namespace {

constexpr std::uint64_t kKi = 1024;
constexpr std::uint64_t kMi = kKi * kKi;
constexpr std::uint64_t kGi = kKi * kMi;
constexpr std::uint64_t kTi = kKi * kGi;
constexpr std::uint64_t kPi = kKi * kTi;
constexpr std::uint64_t kI64Max = 9223372036854775807ull;  // 2^63-1

struct SizeCase {
  const char* text;
  std::uint64_t bytes;
};

TEST(ParseSize, AcceptsEverySpellingWithExactValue) {
  const std::vector<SizeCase> cases = {
      {"4096", 4096},       {"4k", 4096},          {"4K", 4096},          {"4KiB", 4096},
      {"4kib", 4096},       {"4kb", 4096},         {"4KB", 4096},         {"4kB", 4096},
      {"1", 1},             {"4b", 4},             {"4B", 4},             {"16m", 16 * kMi},
      {"16M", 16 * kMi},    {"16MiB", 16 * kMi},   {"1g", kGi},           {"1GiB", kGi},
      {"2t", 2 * kTi},      {"1p", kPi},           {"8p", 8 * kPi},       {"8191p", 8191 * kPi},
      {"007k", 7 * kKi},    {"9223372036854775807", kI64Max},
      {"8388607t", 8388607 * kTi},  // 2^63 - 2^40: just under the limit
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_size(c.text, "-b"), c.bytes);
  }
}

TEST(ParseSize, ZeroOnlyWhenAllowed) {
  for (const char* text : {"0", "0k", "0KiB", "000"}) {
    SCOPED_TRACE(text);
    EXPECT_THROW(parse_size(text, "-b"), UsageError);
    EXPECT_EQ(parse_size(text, "-b", /*allow_zero=*/true), 0u);
  }
}

TEST(ParseSize, RejectsJunkNamingTheOption) {
  const std::vector<std::string> junk = {
      "4x", "", "-1", "1.5k", " 4k", "4k ", "k", "4 k", "+4", "4kk", "4ki", "4ib", "0x10",
      "4e3", "4kibb", "4\n", "1,024", "four", "4m4", "-0", "4_096"};
  for (const auto& text : junk) {
    SCOPED_TRACE("'" + text + "'");
    try {
      parse_size(text, "--block-size", true);
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("--block-size"), std::string::npos) << msg;
      EXPECT_NE(msg.find("'" + text + "'"), std::string::npos) << msg;
      EXPECT_EQ(e.code(), ExitCode::kUsage);
    }
  }
}

TEST(ParseSize, RejectsOverflowPast2To63) {
  for (const char* text : {"9223372036854775808", "9999999999999999999", "18446744073709551615",
                           "18446744073709551616", "99999999999999999999999", "8192p", "8388608t",
                           "8589934592g", "16e", "9007199254740992k"}) {
    SCOPED_TRACE(text);
    try {
      parse_size(text, "-t");
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("-t"), std::string::npos) << msg;
    }
  }
}

TEST(FormatSizeShort, ExactStrings) {
  const std::vector<std::pair<std::uint64_t, const char*>> cases = {
      {0, "0"},        {1, "1"},         {1000, "1000"},    {1536, "1536"},   {4096, "4k"},
      {3072, "3k"},    {16 * kMi, "16m"}, {256 * kKi, "256k"}, {kGi, "1g"},     {3 * kTi, "3t"},
      {kPi, "1p"},     {1024 * kPi, "1024p"}, {kMi + kKi, "1025k"}};
  for (const auto& [bytes, text] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(format_size_short(bytes), text);
  }
}

TEST(FormatSizeShort, RoundTripsThroughParseSize) {
  for (std::uint64_t v : std::vector<std::uint64_t>{1, 7, 512, 4096, 12288, 65536 + 4096, 16 * kMi, 5 * kGi,
                                                     7 * kTi + kGi, 33 * kPi, kI64Max, kI64Max - 1023})
    EXPECT_EQ(parse_size(format_size_short(v), "-b"), v) << format_size_short(v);
}

TEST(FormatBytes, ExactStrings) {
  const std::vector<std::pair<std::uint64_t, const char*>> cases = {
      {0, "0 B"},           {512, "512 B"},        {1023, "1023 B"},     {1024, "1 KiB"},
      {1536, "1.50 KiB"},   {16 * kMi, "16 MiB"},  {kGi + kGi / 2, "1.50 GiB"},
      {kGi + kGi / 4, "1.25 GiB"}, {2 * kTi, "2 TiB"}, {kPi, "1 PiB"}, {1024 * kPi, "1 EiB"}};
  for (const auto& [bytes, text] : cases) {
    SCOPED_TRACE(text);
    EXPECT_EQ(format_bytes(bytes), text);
  }
}

TEST(ParseDuration, AcceptsSecondsAndSuffixes) {
  const std::vector<std::pair<const char*, double>> cases = {
      {"30", 30.0},  {"1.5", 1.5},  {"0", 0.0},      {"500ms", 0.5}, {"2m", 120.0},
      {"1h", 3600.0}, {"10s", 10.0}, {"1.5H", 5400.0}, {"250MS", 0.25}, {"0.25m", 15.0}};
  for (const auto& [text, seconds] : cases) {
    SCOPED_TRACE(text);
    EXPECT_DOUBLE_EQ(parse_duration_s(text, "--stonewall"), seconds);
  }
}

TEST(ParseDuration, RejectsJunkNamingTheOption) {
  for (const char* text : {"", "abc", "-1", "-0.5", "5x", "inf", "nan", "1e400", " 1", "1 s", "s", "5sec"}) {
    SCOPED_TRACE(text);
    try {
      parse_duration_s(text, "--stonewall");
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--stonewall"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pfsbench
