// Human output helpers (report.hpp), timing and signal helpers.
#include <gtest/gtest.h>

#include <csignal>
#include <regex>
#include <sstream>
#include <string>

#include "pfsbench/report.hpp"
#include "pfsbench/signals.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {
namespace {

TEST(Table, ColumnsSizedToContentFirstLeftRestRight) {
  Table t({"access", "MiB/s", "iter"});
  t.add_row({"write", "1234.56", "0"});
  t.add_row({"read", "7.00", "12"});
  t.add_row({"short"});  // missing cells print empty
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(),
            "access    MiB/s  iter\n"
            "write   1234.56     0\n"
            "read       7.00    12\n"
            "short                \n");
}

TEST(FixedOrDash, Values) {
  EXPECT_EQ(fixed_or_dash(std::nullopt), "-");
  EXPECT_EQ(fixed_or_dash(1.0 / 3.0), "0.33");
  EXPECT_EQ(fixed_or_dash(2.5, 0), "2");  // round half to even, as printf
  EXPECT_EQ(fixed_or_dash(1234.5678, 3), "1234.568");
}

TEST(PrintDiagnostics, WarningsThenErrorsOnePerLine) {
  RunResult r;
  r.warnings = {"w1", "w2"};
  r.errors = {{"rank 1: boom", "runtime"}};
  std::ostringstream err;
  print_diagnostics(r, "ior_like", err);
  EXPECT_EQ(err.str(), "ior_like: warning: w1\nior_like: warning: w2\nior_like: error: rank 1: boom\n");
}

TEST(Timing, MonotonicAndIso8601) {
  const std::uint64_t a = now_ns();
  const std::uint64_t b = now_ns();
  EXPECT_LE(a, b);
  EXPECT_NEAR(now_s(), static_cast<double>(now_ns()) * 1e-9, 1.0);
  EXPECT_TRUE(std::regex_match(iso8601_now(), std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << iso8601_now();
  EXPECT_EQ((Interval{1.5, 4.0}).duration_s(), 2.5);
}

// Sets the process-wide flag: nothing else in unit_core reads it.
TEST(Signals, SigtermSetsTheFlagInsteadOfKilling) {
  install_signal_handlers();
  EXPECT_FALSE(interrupt_requested());
  ASSERT_EQ(std::raise(SIGTERM), 0);
  EXPECT_TRUE(interrupt_requested());
  EXPECT_EQ(interrupt_signal(), SIGTERM);
  ASSERT_EQ(std::raise(SIGINT), 0);
  EXPECT_EQ(interrupt_signal(), SIGINT);  // the latest signal
}

}  // namespace
}  // namespace pfsbench
