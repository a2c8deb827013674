// Errors and exit codes (error.hpp).
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "pfsbench/error.hpp"

namespace pfsbench {
namespace {

const std::vector<ExitCode> kAll = {ExitCode::kOk, ExitCode::kInterrupted, ExitCode::kVerify, ExitCode::kRuntime,
                                    ExitCode::kUsage};  // least to most severe

TEST(ExitCodes, DocumentedValues) {
  EXPECT_EQ(static_cast<int>(ExitCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(ExitCode::kRuntime), 1);
  EXPECT_EQ(static_cast<int>(ExitCode::kUsage), 2);
  EXPECT_EQ(static_cast<int>(ExitCode::kVerify), 3);
  EXPECT_EQ(static_cast<int>(ExitCode::kInterrupted), 4);
}

TEST(Severity, UsageRuntimeVerifyInterruptedOk) {
  for (std::size_t i = 0; i + 1 < kAll.size(); ++i) EXPECT_LT(severity(kAll[i]), severity(kAll[i + 1])) << i;
  EXPECT_EQ(severity(ExitCode::kOk), 0);
  for (ExitCode c : kAll) EXPECT_EQ(from_severity(severity(c)), c);
}

TEST(Status, DocumentStatusAndKind) {
  EXPECT_STREQ(status_for(ExitCode::kOk), "ok");
  EXPECT_STREQ(status_for(ExitCode::kRuntime), "failed");
  EXPECT_STREQ(status_for(ExitCode::kUsage), "failed");
  EXPECT_STREQ(status_for(ExitCode::kVerify), "verify_failed");
  EXPECT_STREQ(status_for(ExitCode::kInterrupted), "interrupted");
  EXPECT_STREQ(kind_name(ExitCode::kUsage), "usage");
  EXPECT_STREQ(kind_name(ExitCode::kRuntime), "runtime");
  EXPECT_STREQ(kind_name(ExitCode::kVerify), "verify");
  EXPECT_STREQ(kind_name(ExitCode::kInterrupted), "interrupted");
}

TEST(ErrnoText, NameAndText) {
  const std::string t = errno_text(ENOSPC);
  EXPECT_NE(t.find("ENOSPC"), std::string::npos) << t;
  EXPECT_NE(t.find("No space left on device"), std::string::npos) << t;
  EXPECT_NE(errno_text(EIO).find("(EIO)"), std::string::npos);
  EXPECT_NE(errno_text(987654).find("errno 987654"), std::string::npos) << errno_text(987654);
}

TEST(IoError, MessageNamesRankOpPathOffsetSizeErrnoAndHint) {
  const IoError e("pwrite", "/gpfs/f", ENOSPC, 7, 1048576, 65536, "free some space");
  EXPECT_EQ(std::string(e.what()),
            "rank 7: pwrite failed on '/gpfs/f' at offset 1048576 (size 65536): No space left on device (ENOSPC); "
            "free some space");
  EXPECT_EQ(e.code(), ExitCode::kRuntime);
  EXPECT_EQ(e.op(), "pwrite");
  EXPECT_EQ(e.path(), "/gpfs/f");
  EXPECT_EQ(e.error_number(), ENOSPC);
  EXPECT_EQ(e.offset(), 1048576);
  const IoError bare("open", "/x", EACCES, 0);
  EXPECT_EQ(std::string(bare.what()), "rank 0: open failed on '/x': Permission denied (EACCES)");
}

TEST(ErrorTypes, CodesOfEachKind) {
  EXPECT_EQ(UsageError("x").code(), ExitCode::kUsage);
  EXPECT_EQ(VerifyError("x").code(), ExitCode::kVerify);
  EXPECT_EQ(InterruptedError("x").code(), ExitCode::kInterrupted);
  const CollectiveError c(ExitCode::kRuntime, "rank 1: boom", {"rank 1: boom", "rank 3: bang"});
  EXPECT_EQ(c.code(), ExitCode::kRuntime);
  EXPECT_EQ(c.rank_messages().size(), 2u);
  EXPECT_STREQ(c.what(), "rank 1: boom");
}

}  // namespace
}  // namespace pfsbench
