// Guards --sync as fio's sync=: sync=1 (a bare --sync) is O_SYNC, dsync is
// O_DSYNC, none neither; the options as CLI11 parses them, and the open
// flags they give. (Before: --sync opened with O_DSYNC while its help said
// "fio sync=1", which fio opens with O_SYNC.)
#include <fcntl.h>

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "config.hpp"
#include "file_setup.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::dio_batch {
namespace {

Config parsed(std::vector<std::string> args) {
  Config c;
  CLI::App app("t");
  add_options(app, c);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  resolve_sync(c);
  return c;
}

// O_SYNC is __O_SYNC | O_DSYNC on Linux: "has O_SYNC" is all of its bits.
bool has_o_sync(int flags) { return (flags & O_SYNC) == O_SYNC; }
bool has_o_dsync(int flags) { return (flags & O_DSYNC) == O_DSYNC; }

TEST(SyncFlags, AsFio) {
  struct Case {
    std::vector<std::string> args;
    Sync sync;
    bool o_sync, o_dsync;
  };
  const Case cases[] = {
      {{}, Sync::kNone, false, false},
      {{"--sync"}, Sync::kSync, true, true},  // O_SYNC includes O_DSYNC's bit
      {{"--sync=sync"}, Sync::kSync, true, true},
      {{"--sync=1"}, Sync::kSync, true, true},
      {{"--sync=dsync"}, Sync::kDsync, false, true},
      {{"--sync=none"}, Sync::kNone, false, false},
      {{"--sync=0"}, Sync::kNone, false, false},
  };
  for (const Case& c : cases) {
    const std::string name = c.args.empty() ? "(none)" : c.args[0];
    const Config cfg = parsed(c.args);
    EXPECT_EQ(cfg.sync, c.sync) << name;
    const int w = target_open_flags(cfg, true);
    EXPECT_EQ(has_o_sync(w), c.o_sync) << name;
    EXPECT_EQ(has_o_dsync(w), c.o_dsync) << name;
    const int r = target_open_flags(cfg, false);
    EXPECT_FALSE(has_o_dsync(r)) << name << ": reads open without sync flags";
  }
}

TEST(SyncFlags, UnknownValueIsAUsageError) {
  try {
    parsed({"--sync=fsync"});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--sync=fsync is not one of none, sync, dsync"), std::string::npos)
        << e.what();
  }
}

TEST(SyncFlags, ReplaceExistingOnlyWithCreate) {
  EXPECT_TRUE(parsed({"--replace-existing"}).replace_existing);
  try {
    parsed({"--replace-existing", "--mode", "overwrite"});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--replace-existing with --mode overwrite"), std::string::npos) << e.what();
  }
}

TEST(SyncFlags, ConfigRecordsFiosName) {
  EXPECT_EQ(to_json(parsed({})).at("sync"), false);
  EXPECT_EQ(to_json(parsed({"--sync"})).at("sync"), "sync");
  EXPECT_EQ(to_json(parsed({"--sync=dsync"})).at("sync"), "dsync");
}

}  // namespace
}  // namespace pfsbench::dio_batch
