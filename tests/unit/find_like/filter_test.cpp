// find_like's predicates and name checks, table-driven with exact values.
#include <dirent.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "config.hpp"
#include "filter.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::find_like {
namespace {

TEST(FindSize, TakesPfindsBytesForm) {
  EXPECT_EQ(parse_find_size("3901c"), 3901u);
  EXPECT_EQ(parse_find_size("0c"), 0u);
  EXPECT_EQ(parse_find_size("18446744073709551615c"), 18446744073709551615ull);
}

TEST(FindSize, RefusesEverythingElse) {
  for (const char* bad : {"", "c", "3901", "3901k", "39x1c", "-1c", "+5c", " 5c", "18446744073709551616c"}) {
    SCOPED_TRACE(bad);
    try {
      parse_find_size(bad);
      FAIL() << "accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("-size"), std::string::npos) << e.what();
    }
  }
}

TEST(FindType, Letters) {
  for (char c : std::string("fdlbcps")) EXPECT_EQ(parse_find_type(std::string(1, c)), c);
  for (const char* bad : {"", "x", "ff", "D"}) EXPECT_THROW(parse_find_type(bad), UsageError) << bad;
}

TEST(FindType, FromModeAndDtype) {
  EXPECT_EQ(type_of_mode(S_IFREG | 0644), 'f');
  EXPECT_EQ(type_of_mode(S_IFDIR | 0755), 'd');
  EXPECT_EQ(type_of_mode(S_IFLNK | 0777), 'l');
  EXPECT_EQ(type_of_mode(S_IFIFO), 'p');
  EXPECT_EQ(type_of_dtype(DT_REG), 'f');
  EXPECT_EQ(type_of_dtype(DT_DIR), 'd');
  EXPECT_EQ(type_of_dtype(DT_LNK), 'l');
  EXPECT_EQ(type_of_dtype(DT_UNKNOWN), 0);
}

TEST(FindName, GlobLikeGnuFind) {
  Filter f;
  f.name_glob = "*01*";
  EXPECT_TRUE(f.name_matches("file.mdtest.01.7"));
  EXPECT_TRUE(f.name_matches("01"));
  EXPECT_FALSE(f.name_matches("file.0.1"));
  f.name_glob = "*.txt";
  EXPECT_TRUE(f.name_matches(".hidden.txt"));  // GNU find: '*' matches a leading dot
  EXPECT_FALSE(f.name_matches("a.txt.gz"));    // anchored, unlike pfind's regex for this pattern
  Filter none;
  EXPECT_TRUE(none.name_matches("anything"));
}

TEST(FindStat, SizeAndPfindsNewer) {
  Filter f;
  f.size_bytes = 3901;
  f.newer_ctime_s = 1000;
  struct stat st {};
  st.st_size = 3901;
  st.st_ctime = 1000;  // pfind: ctime >= the reference's ctime matches
  EXPECT_TRUE(f.stat_matches(st));
  st.st_ctime = 999;
  EXPECT_FALSE(f.stat_matches(st));
  st.st_ctime = 2000;
  st.st_size = 3900;
  EXPECT_FALSE(f.stat_matches(st));
  EXPECT_TRUE(f.needs_stat());
  EXPECT_FALSE(Filter{}.needs_stat());
}

TEST(Args, FindWordsBecomeLongOptions) {
  const std::vector<std::string> in = {"/d", "-newer", "/t", "-size", "3901c", "-name", "*01*", "-C", "-q", "10"};
  const std::vector<std::string> want = {"/d", "--newer", "/t", "--size", "3901c", "--name", "*01*", "-C", "-q", "10"};
  EXPECT_EQ(rewrite_find_words(in), want);
}

}  // namespace
}  // namespace pfsbench::find_like
