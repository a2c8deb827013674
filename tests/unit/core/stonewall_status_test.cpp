// The stonewall status file's content: mdtest's and IOR's one integer, and
// everything else refused with a reason (the collective load is tested end
// to end in tests/integration/test_mdtest_like_io500.py).
#include "pfsbench/stonewall_status.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pfsbench {
namespace {

TEST(StatusCount, AcceptsOneIntegerWithWhitespace) {
  struct Case {
    const char* text;
    std::uint64_t want;
  };
  const Case cases[] = {{"0", 0},        {"42", 42},         {"42\n", 42},
                        {"  7 \r\n", 7}, {"\t123456789\n", 123456789},
                        {"18446744073709551615", 18446744073709551615ull}};
  for (const auto& c : cases) {
    std::string why;
    const auto v = parse_status_count(c.text, why);
    ASSERT_TRUE(v.has_value()) << "'" << c.text << "': " << why;
    EXPECT_EQ(*v, c.want) << c.text;
  }
}

TEST(StatusCount, RefusesAnythingElseWithAReason) {
  struct Case {
    const char* text;
    const char* why;
  };
  const Case cases[] = {{"", "empty"},           {" \n", "empty"},
                        {"abc", "'abc'"},        {"12 13", "'12 13'"},
                        {"-5", "'-5'"},          {"+5", "'+5'"},
                        {"5x", "'5x'"},          {"0x10", "'0x10'"},
                        {"1.5", "'1.5'"},        {"18446744073709551616", "too large"}};
  for (const auto& c : cases) {
    std::string why;
    EXPECT_FALSE(parse_status_count(c.text, why).has_value()) << c.text;
    EXPECT_NE(why.find(c.why), std::string::npos) << c.text << " -> " << why;
  }
}

TEST(StatusCount, FormatRoundTrips) {
  for (std::uint64_t v : {0ull, 1ull, 987654321ull, 18446744073709551615ull}) {
    std::string why;
    EXPECT_EQ(format_status_count(v), std::to_string(v) + "\n");
    EXPECT_EQ(parse_status_count(format_status_count(v), why), v);
  }
}

}  // namespace
}  // namespace pfsbench
