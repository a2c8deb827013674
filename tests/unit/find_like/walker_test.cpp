// One rank's walker on a small real tree (no MPI): counts, matches, chunks
// of a big directory, the queue limit, and work messages that survive the
// trip between ranks.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "walker.hpp"

namespace pfsbench::find_like {
namespace {

namespace fs = std::filesystem;

class Tree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/find_like_unit.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  void file(const std::string& rel, std::size_t bytes) {
    fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel) << std::string(bytes, 'x');
  }
  // Walks alone to the end.
  WalkCounters walk(const WalkOptions& o, std::size_t* max_queued = nullptr) {
    MatchSink sink;
    Walker w(o, sink);
    w.start(root_);
    while (w.has_work()) {
      w.step();
      if (max_queued) *max_queued = std::max(*max_queued, w.queued());
    }
    return w.counters();
  }
  std::string root_;
};

TEST_F(Tree, CountsEveryEntryAndMatches) {
  file("a/x01", 10);
  file("a/b/y01", 20);
  file("a/b/z", 20);
  file("c/w01", 20);
  WalkOptions o;
  o.filter.name_glob = "*01*";
  o.filter.size_bytes = 20;
  const WalkCounters c = walk(o);
  // root + a, a/x01, a/b, a/b/y01, a/b/z, c, c/w01
  EXPECT_EQ(c.scanned, 8u);
  EXPECT_EQ(c.dirents, 7u);
  EXPECT_EQ(c.files, 4u);
  EXPECT_EQ(c.dirs, 4u);
  EXPECT_EQ(c.matched, 2u);  // a/b/y01, c/w01
  // Only the name matches are stat'ed (a/x01, a/b/y01, c/w01), as GNU find does.
  EXPECT_EQ(c.stats, 3u);
}

TEST_F(Tree, BigDirectoryLeavesInChunks) {
  for (int i = 0; i < 1000; ++i) file("big/f" + std::to_string(i), 0);
  WalkOptions o;
  o.chunk_entries = 64;
  const WalkCounters c = walk(o);
  EXPECT_EQ(c.files, 1000u);
  // root dir, big dir, then ceil(1000/64) = 16 chunks of big and 1 of root
  EXPECT_EQ(c.items_done, 2u + 16u + 1u);
}

TEST_F(Tree, QueueLimitBoundsReadAhead) {
  for (int i = 0; i < 2000; ++i) file("big/f" + std::to_string(i), 0);
  WalkOptions o;
  o.chunk_entries = 10;
  o.queue_limit = 12;
  std::size_t most = 0;
  const WalkCounters c = walk(o, &most);
  EXPECT_EQ(c.files, 2000u);
  EXPECT_LE(most, 12u);
}

TEST_F(Tree, GiveHalfAndMessagesRoundTrip) {
  for (int i = 0; i < 100; ++i) file("big/f" + std::to_string(i), 0);
  WalkOptions o;
  o.chunk_entries = 10;
  MatchSink sink;
  Walker w(o, sink);
  w.start(root_);
  w.step();  // open root
  w.step();  // read root's one chunk ("big")
  w.step();  // test it: queues big
  w.step();  // open big
  for (int i = 0; i < 4; ++i) w.step();  // read 4 chunks, stream still open
  ASSERT_EQ(w.queued(), 4u);
  std::vector<WorkItem> half = w.give_half();
  EXPECT_EQ(half.size(), 2u);  // (4 + 1) / 2 while a stream is open
  std::vector<char> bytes;
  serialize(half, bytes);
  std::vector<WorkItem> back = deserialize(bytes.data(), bytes.size());
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].path, half[0].path);
  EXPECT_EQ(back[1].entries.size(), 10u);
  EXPECT_EQ(back[1].entries[3].name, half[1].entries[3].name);
  EXPECT_THROW(deserialize(bytes.data(), bytes.size() - 1), std::runtime_error);
  // The thief's share plus the owner's rest is the whole tree.
  MatchSink s2;
  Walker thief(o, s2);
  thief.receive(std::move(back));
  while (thief.has_work()) thief.step();
  while (w.has_work()) w.step();
  EXPECT_EQ(thief.counters().files + w.counters().files, 100u);
}

TEST_F(Tree, SymlinksNotFollowedUnlessAsked) {
  file("d/f", 1);
  ASSERT_EQ(::symlink("..", (root_ + "/d/up").c_str()), 0);
  ASSERT_EQ(::symlink("self", (root_ + "/d/self").c_str()), 0);
  WalkOptions o;
  WalkCounters c = walk(o);
  EXPECT_EQ(c.scanned, 5u);  // root, d, d/f, d/up, d/self
  EXPECT_EQ(c.loops, 0u);
  o.follow = true;
  c = walk(o);
  EXPECT_EQ(c.loops, 2u);  // d/up leads back to the root; d/self is ELOOP
  EXPECT_EQ(c.dirs, 2u);
}

}  // namespace
}  // namespace pfsbench::find_like
