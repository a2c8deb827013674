#pragma once
// Naming a lost node. When a node dies, or all of its ranks are killed,
// mpirun or srun ends the job and the ranks left are killed mid-collective:
// rank 0's last checkpoint says only that the run did not finish. The
// launcher knows which node went (its stderr says so), the document does not.
//
// On more than one node, the first rank of every other node (its "watcher")
// keeps one TCP connection to rank 0. Nothing travels on it during the run;
// the kernel does the watching:
//   - a process that ends closes its sockets (also on SIGKILL): rank 0 sees
//     end-of-file at once;
//   - a node that crashes or is cut off stops answering TCP keepalives
//     (the kernel answers them however busy the process is): rank 0 sees
//     ETIMEDOUT within about 20 s.
// A watcher says one byte before it goes on purpose: 'B' at the end of the
// run, 'T' from the SIGINT/SIGTERM handler (the launcher ending the job: not a
// loss), 'A' on the way to MPI_Abort (the abort path writes the document).
// A connection that ends without one of them is a lost node: rank 0 writes the document as failed,
// naming the node and its ranks, and ends the job.
//
// Best effort by design: a site whose nodes cannot open a TCP connection to
// rank 0's node runs as before (rank 0 says which nodes are not watched),
// and --no-node-watch turns it off.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pfsbench {

/// This host's IPv4 addresses, the loopback ones last.
std::vector<std::string> local_ipv4_addresses();

/// The fd the SIGINT/SIGTERM handler and MpiSession::abort say their byte
/// on ('T' and 'A'); -1: none. Async-signal-safe.
void set_node_watch_fd(int fd) noexcept;
void node_watch_say(char what) noexcept;

/// One watched peer that ended without saying why.
struct LostPeer {
  std::uint32_t id = 0;  ///< the id the peer gave in its hello (its node index)
  std::string how;       ///< "closed its connection", "stopped answering (ETIMEDOUT)", ...
  double after_s = 0;    ///< seconds since the watch began
};

/// Rank 0's side: a listening socket and a thread that watches the peers.
class NodeWatchServer {
 public:
  using OnLost = std::function<void(const std::vector<LostPeer>&)>;
  /// Listens on every IPv4 address, on a port the kernel picks. `token`
  /// must start every peer's hello (a run id: a stray connection is
  /// dropped). `keepalive_s` bounds how long a silent crashed node goes
  /// unnoticed. Throws Error when no socket can be made.
  NodeWatchServer(std::string token, double keepalive_s = 10.0);
  ~NodeWatchServer();
  NodeWatchServer(const NodeWatchServer&) = delete;
  NodeWatchServer& operator=(const NodeWatchServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// Starts the watch thread. `on_lost` runs on it, once, with every peer
  /// lost within `gather_s` of the first (a node's loss often ends several
  /// watchers at once when the launcher takes the job down: those that say
  /// 'T' are not counted).
  void start(OnLost on_lost, double gather_s = 0.3);
  /// The ids that completed their hello so far.
  std::vector<std::uint32_t> watched() const;

 private:
  struct Peer {
    int fd = -1;
    std::string hello;      ///< bytes of the hello line so far
    std::uint32_t id = 0;
    bool greeted = false;
    char said = 0;          ///< 'B', 'T', 'A' or 0
  };
  void run();
  void accept_peer();
  /// Reads what a peer sent; returns false when its connection ended.
  bool read_peer(Peer& p, std::string& how);
  void greet(Peer& p);

  std::string token_;
  double keepalive_s_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  OnLost on_lost_;
  double gather_s_ = 0.3;
  mutable std::mutex mutex_;
  std::vector<Peer> peers_;
  std::thread thread_;
};

/// A watcher's side: one connection to rank 0, tried on each address in
/// turn (each within `timeout_s`). connected() says whether one took.
class NodeWatchClient {
 public:
  NodeWatchClient(const std::vector<std::string>& addresses, std::uint16_t port, const std::string& token,
                  std::uint32_t id, double timeout_s = 2.0);
  /// Says 'B' and closes.
  ~NodeWatchClient();
  NodeWatchClient(const NodeWatchClient&) = delete;
  NodeWatchClient& operator=(const NodeWatchClient&) = delete;
  bool connected() const noexcept { return fd_ >= 0; }
  /// Makes this connection the one the signal handler and the abort path
  /// say their byte on.
  void publish() const noexcept { set_node_watch_fd(fd_); }
  /// Closes without a word: what a killed process does (for tests).
  void drop() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace pfsbench
