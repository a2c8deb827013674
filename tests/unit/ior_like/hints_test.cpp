// IOR's hints formats: exact parses, the file over the environment, and a
// clear error for a line that is not a hint.
#include <gtest/gtest.h>

#include "hints.hpp"
#include "pfsbench/error.hpp"

namespace pfsbench::ior_like {
namespace {

using Map = std::map<std::string, std::string>;

TEST(Hints, FileLinesCommentsAndBlanks) {
  const Hints h = parse_hints_file("# site tuning\n\nIOR_HINT__MPI__romio_cb_write=enable\r\n"
                                   "  IOR_HINT__MPI__striping_factor=16  \nIOR_HINT__GPFS__gpfs_access_range=1\n",
                                   "h");
  EXPECT_EQ(h.mpi, (Map{{"romio_cb_write", "enable"}, {"striping_factor", "16"}}));
  EXPECT_EQ(h.ignored, std::vector<std::string>{"IOR_HINT__GPFS__gpfs_access_range"});
}

TEST(Hints, ValueMayHoldEqualsSigns) {
  EXPECT_EQ(parse_hints_file("IOR_HINT__MPI__k=a=b", "h").mpi, (Map{{"k", "a=b"}}));
}

TEST(Hints, BadLinesNameFileAndLine) {
  const struct {
    const char* text;
    const char* needle;
  } cases[] = {
      {"IOR_HINT__MPI__a=1\nstriping_factor=4\n", "hints file h line 2: 'striping_factor=4' is not a hint"},
      {"IOR_HINT__MPI__nokey\n", "line 1: 'IOR_HINT__MPI__nokey'"},
      {"IOR_HINT__MPI__=v\n", "line 1: 'IOR_HINT__MPI__=v'"},
  };
  for (const auto& c : cases) {
    try {
      parse_hints_file(c.text, "h");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
    }
  }
}

TEST(Hints, EnvironmentOnlyTakesIorHintVariables) {
  const char* env[] = {"PATH=/bin", "IOR_HINT__MPI__cb_nodes=4", "IOR_HINTS=x", "IOR_HINT__MPI__cb_config_list=*:1",
                       nullptr};
  EXPECT_EQ(hints_from_environment(env).mpi, (Map{{"cb_nodes", "4"}, {"cb_config_list", "*:1"}}));
  EXPECT_TRUE(hints_from_environment(nullptr).mpi.empty());
}

TEST(Hints, FileOverridesEnvironment) {
  Hints env;
  env.mpi = {{"a", "1"}, {"b", "2"}};
  Hints file;
  file.mpi = {{"b", "3"}, {"c", "4"}};
  EXPECT_EQ(merge_hints(env, file).mpi, (Map{{"a", "1"}, {"b", "3"}, {"c", "4"}}));
}

}  // namespace
}  // namespace pfsbench::ior_like
