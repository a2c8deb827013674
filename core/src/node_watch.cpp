#include "pfsbench/node_watch.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench {
namespace {

std::atomic<int> g_watch_fd{-1};

constexpr std::size_t kMaxHello = 256;

void set_keepalive(int fd, double seconds) {
  const int on = 1;
  const int idle = std::max(1, static_cast<int>(std::lround(seconds)));
  const int interval = std::max(1, idle / 2);
  const int count = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

bool write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Connects to addr:port within timeout_s; the connected fd or -1.
int connect_within(const std::string& addr, std::uint16_t port, double timeout_s) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, addr.c_str(), &sa.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  int err = 0;
  socklen_t len = sizeof err;
  if (::poll(&p, 1, static_cast<int>(timeout_s * 1000)) != 1 ||
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits up to timeout_s for one byte; returns it, or 0.
char read_byte_within(int fd, double timeout_s) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout_s * 1000)) != 1) return 0;
  char c = 0;
  return ::recv(fd, &c, 1, 0) == 1 ? c : 0;
}

}  // namespace

void set_node_watch_fd(int fd) noexcept { g_watch_fd.store(fd, std::memory_order_relaxed); }

void node_watch_say(char what) noexcept {
  const int fd = g_watch_fd.load(std::memory_order_relaxed);
  if (fd >= 0) (void)!::send(fd, &what, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

std::vector<std::string> local_ipv4_addresses() {
  std::vector<std::string> out, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
      char text[INET_ADDRSTRLEN] = {};
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) == nullptr) continue;
      (ntohl(in->sin_addr.s_addr) >> 24 == 127 ? loopback : out).emplace_back(text);
    }
    freeifaddrs(list);
  }
  if (loopback.empty()) loopback.emplace_back("127.0.0.1");
  out.insert(out.end(), loopback.begin(), loopback.end());
  return out;
}

NodeWatchServer::NodeWatchServer(std::string token, double keepalive_s)
    : token_(std::move(token)), keepalive_s_(keepalive_s) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) throw Error(ExitCode::kRuntime, fmt::format("node watch: socket: {}", std::strerror(errno)));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  socklen_t len = sizeof sa;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    const int e = errno;
    ::close(listen_fd_);
    throw Error(ExitCode::kRuntime, fmt::format("node watch: listen: {}", std::strerror(e)));
  }
  port_ = ntohs(sa.sin_port);
}

NodeWatchServer::~NodeWatchServer() {
  if (thread_.joinable()) {
    (void)!::write(wake_[1], "x", 1);
    thread_.join();
  }
  for (auto& p : peers_) ::close(p.fd);
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void NodeWatchServer::start(OnLost on_lost, double gather_s) {
  on_lost_ = std::move(on_lost);
  gather_s_ = gather_s;
  thread_ = std::thread([this] { run(); });
}

std::vector<std::uint32_t> NodeWatchServer::watched() const {
  const std::lock_guard lock(mutex_);
  std::vector<std::uint32_t> ids;
  for (const auto& p : peers_)
    if (p.greeted) ids.push_back(p.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

void NodeWatchServer::accept_peer() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  set_keepalive(fd, keepalive_s_);
  const std::lock_guard lock(mutex_);
  Peer p;
  p.fd = fd;
  peers_.push_back(std::move(p));
}

// The hello is "TOKEN ID\n"; the answer one 'A'. Anything else is dropped.
void NodeWatchServer::greet(Peer& p) {
  const auto nl = p.hello.find('\n');
  if (nl == std::string::npos) return;
  const std::string line = p.hello.substr(0, nl);
  const std::string rest = p.hello.substr(nl + 1);
  unsigned long id = 0;
  char extra = 0;
  if (line.size() > token_.size() + 1 && line.compare(0, token_.size(), token_) == 0 &&
      line[token_.size()] == ' ' && std::sscanf(line.c_str() + token_.size() + 1, "%lu%c", &id, &extra) == 1) {
    p.id = static_cast<std::uint32_t>(id);
    p.greeted = write_all(p.fd, "A");
    if (!rest.empty()) p.said = rest[0];
  } else {
    p.hello.assign(kMaxHello + 1, '?');  // not ours: dropped by the caller
  }
}

bool NodeWatchServer::read_peer(Peer& p, std::string& how) {
  char buf[256];
  for (;;) {
    const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (!p.greeted) {
        p.hello.append(buf, static_cast<std::size_t>(n));
        greet(p);
        if (p.hello.size() > kMaxHello) {
          how = "sent a hello that is not ours";
          return false;
        }
      } else {
        p.said = buf[n - 1];
      }
      continue;
    }
    if (n == 0) {
      how = "closed its connection";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    how = errno == ETIMEDOUT ? "stopped answering (TCP keepalive timed out)" : fmt::format("connection error: {}", std::strerror(errno));
    return false;
  }
}

void NodeWatchServer::run() {
  const std::uint64_t began = now_ns();
  std::vector<LostPeer> lost;
  std::uint64_t report_at = 0;
  for (;;) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    {
      const std::lock_guard lock(mutex_);
      for (const auto& p : peers_) fds.push_back({p.fd, POLLIN, 0});
    }
    const int wait_ms = report_at != 0 ? 20 : 1000;
    if (::poll(fds.data(), fds.size(), wait_ms) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;  // the destructor
    if (fds[1].revents & POLLIN) accept_peer();
    {
      const std::lock_guard lock(mutex_);
      for (std::size_t i = 0; i + 2 < fds.size() && i < peers_.size(); ++i) {
        if (fds[i + 2].revents == 0) continue;
        Peer& p = peers_[i];
        std::string how;
        if (read_peer(p, how)) continue;
        // A peer that said why it goes is not a loss. The launcher ends a
        // job with SIGTERM first (the watcher says 'T'); a process killed
        // without a word, or a node that stopped answering, is.
        if (p.greeted && p.said == 0) {
          lost.push_back({p.id, how, static_cast<double>(now_ns() - began) * 1e-9});
          if (report_at == 0) report_at = now_ns() + static_cast<std::uint64_t>(gather_s_ * 1e9);
        }
        ::close(p.fd);
        p.fd = -1;
      }
      std::erase_if(peers_, [](const Peer& p) { return p.fd < 0; });
    }
    if (report_at != 0 && now_ns() >= report_at) {
      if (on_lost_) on_lost_(lost);
      lost.clear();
      report_at = 0;
      on_lost_ = nullptr;  // once
    }
  }
}

NodeWatchClient::NodeWatchClient(const std::vector<std::string>& addresses, std::uint16_t port,
                                 const std::string& token, std::uint32_t id, double timeout_s) {
  for (const auto& addr : addresses) {
    const int fd = connect_within(addr, port, timeout_s);
    if (fd < 0) continue;
    if (write_all(fd, fmt::format("{} {}\n", token, id)) && read_byte_within(fd, timeout_s) == 'A') {
      fd_ = fd;
      return;
    }
    ::close(fd);
  }
}

NodeWatchClient::~NodeWatchClient() {
  if (fd_ >= 0) write_all(fd_, "B");
  drop();
}

void NodeWatchClient::drop() noexcept {
  if (fd_ < 0) return;
  if (g_watch_fd.load() == fd_) set_node_watch_fd(-1);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pfsbench
