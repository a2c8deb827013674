// The node watch's protocol over real TCP on this host (node_watch.hpp): a
// watcher that goes without a word is lost; one that says goodbye, or that
// says 'T' (taken down by a signal) or 'A' (aborting), is not; a stray
// connection never becomes a watcher.
#include "pfsbench/node_watch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

namespace pfsbench {
namespace {

// Collects the first (and only) on_lost call.
struct LostLog {
  std::mutex m;
  std::condition_variable cv;
  std::optional<std::vector<LostPeer>> lost;
  int calls = 0;

  NodeWatchServer::OnLost callback() {
    return [this](const std::vector<LostPeer>& l) {
      const std::lock_guard lock(m);
      lost = l;
      ++calls;
      cv.notify_all();
    };
  }
  // The ids reported lost, waiting up to 20 s for the report.
  std::vector<std::uint32_t> ids() {
    std::unique_lock lock(m);
    cv.wait_for(lock, std::chrono::seconds(20), [&] { return lost.has_value(); });
    std::vector<std::uint32_t> out;
    if (lost)
      for (const auto& p : *lost) out.push_back(p.id);
    return out;
  }
};

const std::vector<std::string> kLoopback{"127.0.0.1"};

TEST(NodeWatch, AWatcherThatClosesWithoutAWordIsLostNamedByItsId) {
  LostLog log;
  NodeWatchServer server("run-1");
  server.start(log.callback());
  NodeWatchClient watcher(kLoopback, server.port(), "run-1", 7);
  ASSERT_TRUE(watcher.connected());
  watcher.drop();
  EXPECT_EQ(log.ids(), std::vector<std::uint32_t>{7});
  ASSERT_TRUE(log.lost.has_value());
  EXPECT_EQ((*log.lost)[0].how, "closed its connection");
  EXPECT_GE((*log.lost)[0].after_s, 0.0);
}

TEST(NodeWatch, GoodbyeTermAndAbortAreNotLosses) {
  // Three watchers go on purpose; a fourth, dropped last, is the only loss
  // (had any of the first three counted, the report would hold it: they end
  // before the fourth, inside or before its gathering window).
  LostLog log;
  NodeWatchServer server("run-2");
  server.start(log.callback(), 1.0);
  {
    NodeWatchClient bye(kLoopback, server.port(), "run-2", 1);
    ASSERT_TRUE(bye.connected());
  }  // 'B'
  NodeWatchClient term(kLoopback, server.port(), "run-2", 2);
  NodeWatchClient abort(kLoopback, server.port(), "run-2", 3);
  NodeWatchClient last(kLoopback, server.port(), "run-2", 4);
  ASSERT_TRUE(term.connected() && abort.connected() && last.connected());
  term.publish();
  node_watch_say('T');  // what the SIGTERM handler says
  term.drop();
  abort.publish();
  node_watch_say('A');  // what MpiSession::abort says
  abort.drop();
  last.drop();
  EXPECT_EQ(log.ids(), std::vector<std::uint32_t>{4});
  EXPECT_EQ(log.calls, 1);
}

TEST(NodeWatch, SeveralWatchersLostTogetherAreReportedOnce) {
  LostLog log;
  NodeWatchServer server("run-3");
  server.start(log.callback(), 1.0);
  NodeWatchClient a(kLoopback, server.port(), "run-3", 5);
  NodeWatchClient b(kLoopback, server.port(), "run-3", 6);
  ASSERT_TRUE(a.connected() && b.connected());
  a.drop();
  b.drop();
  auto ids = log.ids();
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{5, 6}));
  EXPECT_EQ(log.calls, 1);
}

TEST(NodeWatch, AnotherRunsTokenIsNotAccepted) {
  LostLog log;
  NodeWatchServer server("run-4");
  server.start(log.callback());
  NodeWatchClient stray(kLoopback, server.port(), "run-5", 1);
  EXPECT_FALSE(stray.connected());
  EXPECT_TRUE(server.watched().empty());
}

TEST(NodeWatch, WatchedListsTheGreetedIds) {
  LostLog log;
  NodeWatchServer server("run-6");
  server.start(log.callback());
  NodeWatchClient a(kLoopback, server.port(), "run-6", 3);
  NodeWatchClient b(kLoopback, server.port(), "run-6", 1);
  ASSERT_TRUE(a.connected() && b.connected());
  EXPECT_EQ(server.watched(), (std::vector<std::uint32_t>{1, 3}));
}

TEST(NodeWatch, NoListenerMeansNotConnected) {
  std::uint16_t port = 0;
  {
    NodeWatchServer gone("run-7");  // a port that was free a moment ago
    port = gone.port();
  }
  NodeWatchClient c({"127.0.0.1", "not-an-address"}, port, "run-7", 1, 0.5);
  EXPECT_FALSE(c.connected());
}

TEST(NodeWatch, LocalAddressesEndWithLoopback) {
  const auto addrs = local_ipv4_addresses();
  ASSERT_FALSE(addrs.empty());
  EXPECT_EQ(addrs.back().rfind("127.", 0), 0u);
}

}  // namespace
}  // namespace pfsbench
