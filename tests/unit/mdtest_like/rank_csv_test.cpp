// --saveRankPerformanceDetails: mdtest's CSV format, cell by cell.
#include "rank_csv.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pfsbench::mdtest_like {
namespace {

TEST(RankCsv, HeaderIsMdtestsElevenOperations) {
  EXPECT_EQ(RankCsv::header(),
            "rank,items,rate-Directory creation,time-Directory creation,rate-Directory stat,time-Directory stat,"
            "rate-Directory read,time-Directory read,rate-Directory rename,time-Directory rename,"
            "rate-Directory removal,time-Directory removal,rate-File creation,time-File creation,"
            "rate-File stat,time-File stat,rate-File read,time-File read,rate-File removal,time-File removal,"
            "rate-Tree creation,time-Tree creation,rate-Tree removal,time-Tree removal\n");
}

TEST(RankCsv, AllRowThenRankRowsWithEmptyCellsForWhatDidNotRun) {
  RankCsv csv(2, 1);  // 2 ranks, a tree of 1 directory
  csv.record(0, "tree_create", 1, 0.5, {{1, 0.5}, {0, 0.1}});
  csv.record(0, "file_create", 300, 2.0, {{150, 1.5}, {150, 1.0}});
  csv.set_items_per_rank(150);
  const std::string e = ",,";
  const std::string expected = RankCsv::header() +
                               // all: File creation 300/2, Tree creation 2 ranks x 1 dir / 0.5
                               "all,150" + e + e + e + e + e + ",1.5000000000e+02,2.0000000000e+00" + e + e + e +
                               ",4.0000000000e+00,5.0000000000e-01" + e + "\n" +
                               "0," + e + e + e + e + e + ",1.0000000000e+02,1.5000000000e+00" + e + e + e + "\n" +
                               "1," + e + e + e + e + e + ",1.5000000000e+02,1.0000000000e+00" + e + e + e + "\n";
  EXPECT_EQ(csv.text(), expected);
}

TEST(RankCsv, OnlyTheFirstIterationInTheAllRowEveryIterationInRankRows) {
  RankCsv csv(1, 1);
  csv.record(0, "file_stat", 10, 1.0, {{10, 1.0}});
  csv.record(1, "file_stat", 10, 4.0, {{10, 2.0}});
  csv.set_items_per_rank(10);
  const std::string text = csv.text();
  EXPECT_NE(text.find("all,10,,,,,,,,,,,,,1.0000000000e+01,1.0000000000e+00,"), std::string::npos) << text;
  EXPECT_NE(text.find("\n0,,,,,,,,,,,,,,1.0000000000e+01,1.0000000000e+00,,,,\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n0,,,,,,,,,,,,,,5.0000000000e+00,2.0000000000e+00,,,,\n"), std::string::npos) << text;
}

TEST(RankCsv, PhaseNamesMapToMdtestsOperationIndex) {
  EXPECT_EQ(RankCsv::op_index("dir_create"), 0);
  EXPECT_EQ(RankCsv::op_index("dir_remove"), 4);
  EXPECT_EQ(RankCsv::op_index("file_read"), 7);
  EXPECT_EQ(RankCsv::op_index("tree_remove"), 10);
  EXPECT_FALSE(RankCsv::op_index("walk"));
  EXPECT_STREQ(RankCsv::op_label(8), "File removal");
}

}  // namespace
}  // namespace pfsbench::mdtest_like
