// -D, IOR's -O key=value options and the stonewalling status file.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config.hpp"
#include "parse_args.hpp"
#include "pfsbench/error.hpp"
#include "pfsbench/stonewall_status.hpp"

namespace pfsbench::ior_like {
namespace {

using test::parse;

std::string usage_message(std::vector<std::string> args) {
  try {
    validate(parse(std::move(args)));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(StonewallOptions, Io500EasyLineParses) {
  const Config c = parse({"-w", "-D", "300", "-O", "stoneWallingWearOut=1", "-O", "stoneWallingStatusFile=/r/st",
                          "-b", "1g", "-t", "2m", "-F"});
  EXPECT_DOUBLE_EQ(c.deadline_s, 300.0);
  EXPECT_TRUE(c.wear_out);
  EXPECT_EQ(c.status_file, "/r/st");
  EXPECT_EQ(c.wear_out_iterations, 0u);
  EXPECT_NO_THROW(validate(c));
}

TEST(StonewallOptions, KeysAreCaseInsensitiveAndCommaSeparated) {
  const Config c = parse({"-r", "-O", "STONEWALLINGWEAROUTITERATIONS=7,stonewallingstatusfile=f"});
  EXPECT_EQ(c.wear_out_iterations, 7u);
  EXPECT_EQ(c.status_file, "f");
}

TEST(StonewallOptions, WearOutZeroSwitchesItOff) {
  EXPECT_FALSE(parse({"-D", "1", "-O", "stoneWallingWearOut=1", "-O", "stoneWallingWearOut=0"}).wear_out);
}

TEST(StonewallOptions, UnknownKeyIsRefusedByName) {
  try {
    parse({"-O", "lustreStripeCount=5"});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("'lustreStripeCount'"), std::string::npos) << e.what();
  }
}

TEST(StonewallOptions, BadValuesAreRefused) {
  EXPECT_THROW(parse({"-O", "stoneWallingWearOut"}), UsageError);          // no '='
  EXPECT_THROW(parse({"-O", "=1"}), UsageError);                           // no key
  EXPECT_THROW(parse({"-O", "stoneWallingWearOut=yes"}), UsageError);      // not a number
  EXPECT_THROW(parse({"-O", "stoneWallingWearOut=2"}), UsageError);        // 0 or 1
  EXPECT_THROW(parse({"-O", "stoneWallingWearOutIterations=-1"}), UsageError);
  EXPECT_THROW(parse({"-O", "stoneWallingStatusFile="}), UsageError);
}

TEST(StonewallOptions, NegativeDeadlineIsRefused) { EXPECT_THROW(parse({"-D", "-1"}), CLI::ValidationError); }

TEST(StonewallOptions, WearOutNeedsADeadline) {
  EXPECT_NE(usage_message({"-O", "stoneWallingWearOut=1"}).find("no -D"), std::string::npos);
  EXPECT_NE(usage_message({"-w", "-O", "stoneWallingWearOut=1"}).find("no -D"), std::string::npos);
}

TEST(StonewallOptions, Io500ReadLineMayRepeatWearOutWithoutDeadline) {
  // IO500's ior-easy read: the write line's options plus -r -R, no -D.
  validate(parse({"-r", "-R", "-O", "stoneWallingWearOut=1", "-O", "stoneWallingStatusFile=s", "-k"}));
}

TEST(StonewallOptions, WearOutIterationsAboveTheLayoutAreRefused) {
  EXPECT_NE(usage_message({"-b", "4k", "-t", "1k", "-s", "2", "-O", "stoneWallingWearOutIterations=9"})
                .find("exceeds the 8 transfers"),
            std::string::npos);
  EXPECT_EQ(usage_message({"-b", "4k", "-t", "1k", "-s", "2", "-O", "stoneWallingWearOutIterations=8"}), "");
}

TEST(StonewallOptions, ConfigRecordsThem) {
  const nlohmann::json j = to_json(parse({"-D", "2.5", "-O", "stoneWallingWearOut=1"}));
  EXPECT_DOUBLE_EQ(j["deadline_s"].get<double>(), 2.5);
  EXPECT_TRUE(j["stonewall_wear_out"].get<bool>());
  EXPECT_TRUE(j["stonewall_status_file"].is_null());
  EXPECT_TRUE(to_json(parse({}))["deadline_s"].is_null());
}

}  // namespace
}  // namespace pfsbench::ior_like
