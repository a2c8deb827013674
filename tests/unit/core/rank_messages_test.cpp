// collapse_rank_messages: many ranks failing alike make one line.
#include <gtest/gtest.h>

#include "pfsbench/error.hpp"

namespace pfsbench {
namespace {

TEST(CollapseRankMessages, Table) {
  struct Case {
    std::vector<std::string> in, out;
  } cases[] = {
      {{}, {}},
      {{"rank 0: x"}, {"rank 0: x"}},
      {{"rank 0: x", "rank 1: x", "rank 2: x", "rank 3: x"}, {"ranks 0-3: x"}},
      {{"rank 3: x", "rank 0: x", "rank 7: y", "rank 1: x", "rank 5: x"}, {"ranks 0-1,3,5: x", "rank 7: y"}},
      {{"no rank here", "rank 2: a", "no rank here"}, {"no rank here", "rank 2: a"}},
      {{"rank 1: a", "a"}, {"rank 1: a", "a"}},
      {{"rank x: not a number"}, {"rank x: not a number"}},
  };
  for (const auto& c : cases) EXPECT_EQ(collapse_rank_messages(c.in), c.out);
}

}  // namespace
}  // namespace pfsbench
