#include "walker.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/json_bytes.hpp"
#include "pfsbench/timing.hpp"

namespace pfsbench::find_like {
namespace {

// The kernel's record of one directory entry (getdents64(2)).
struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

constexpr std::size_t kDentsBytes = 64 * 1024;  // one getdents64 call (glibc's readdir uses 32 KiB)
constexpr std::size_t kSinkBytes = 64 * 1024;

std::string join(const std::string& dir, const char* name) {
  std::string p;
  p.reserve(dir.size() + 1 + std::strlen(name));
  p += dir;
  if (p.empty() || p.back() != '/') p += '/';
  p += name;
  return p;
}

bool is_dot(const char* n) { return n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0)); }

// Byte-level (de)serialization of work items for steal messages.
template <class T>
void put(std::vector<char>& out, const T& v) {
  const char* p = reinterpret_cast<const char*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}
void put_str(std::vector<char>& out, const std::string& s) {
  put(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
struct Reader {
  const char* p;
  const char* end;
  template <class T>
  T get() {
    if (static_cast<std::size_t>(end - p) < sizeof(T)) throw std::runtime_error("truncated work message");
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  std::string get_str() {
    const auto n = get<std::uint32_t>();
    if (static_cast<std::size_t>(end - p) < n) throw std::runtime_error("truncated work message");
    std::string s(p, n);
    p += n;
    return s;
  }
};

}  // namespace

void serialize(const std::vector<WorkItem>& items, std::vector<char>& out) {
  put(out, static_cast<std::uint32_t>(items.size()));
  for (const WorkItem& it : items) {
    put(out, static_cast<std::uint8_t>(it.kind));
    put(out, it.depth);
    put_str(out, it.path);
    put(out, static_cast<std::uint32_t>(it.entries.size()));
    for (const DirEntry& e : it.entries) {
      put(out, e.d_type);
      put_str(out, e.name);
    }
    put(out, static_cast<std::uint32_t>(it.ancestors.size()));
    for (const DevIno& a : it.ancestors) put(out, a);
  }
}

std::vector<WorkItem> deserialize(const char* data, std::size_t size) {
  Reader r{data, data + size};
  const auto n = r.get<std::uint32_t>();
  std::vector<WorkItem> items;
  items.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    WorkItem it;
    const auto kind = r.get<std::uint8_t>();
    if (kind > 1) throw std::runtime_error("bad work item kind");
    it.kind = static_cast<WorkItem::Kind>(kind);
    it.depth = r.get<std::uint32_t>();
    it.path = r.get_str();
    const auto ne = r.get<std::uint32_t>();
    it.entries.resize(ne);
    for (auto& e : it.entries) {
      e.d_type = r.get<unsigned char>();
      e.name = r.get_str();
    }
    const auto na = r.get<std::uint32_t>();
    it.ancestors.resize(na);
    for (auto& a : it.ancestors) a = r.get<DevIno>();
    items.push_back(std::move(it));
  }
  if (r.p != r.end) throw std::runtime_error("trailing bytes in work message");
  return items;
}

MatchSink::~MatchSink() {
  try {
    flush();
  } catch (...) {
  }
}

void MatchSink::add(const std::string& dir, const char* name) {
  if (fd_ < 0) return;
  buf_ += dir;
  if (name) {
    if (buf_.empty() || buf_.back() != '/') buf_ += '/';
    buf_ += name;
  }
  buf_ += '\n';
  if (buf_.size() >= kSinkBytes) flush();
}

void MatchSink::flush() {
  std::size_t done = 0;
  while (done < buf_.size()) {
    const ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      buf_.clear();
      throw std::runtime_error(fmt::format("writing the matched paths failed: {}", errno_text(e)));
    }
    done += static_cast<std::size_t>(n);
  }
  buf_.clear();
}

struct Walker::Stream {
  int fd = -1;
  WorkItem dir;  // the directory being read (path, depth, ancestors)
  std::vector<char> buf = std::vector<char>(kDentsBytes);
  std::size_t pos = 0, len = 0;
  ~Stream() {
    if (fd >= 0) ::close(fd);
  }
};

Walker::Walker(const WalkOptions& opts, MatchSink& sink) : o_(opts), sink_(sink) {}
Walker::~Walker() = default;

void Walker::note_error(int err, const std::string& path, bool from_stat) {
  std::vector<std::string>* ex = &ex_.other;
  std::uint64_t* n = &c_.other_errors;
  if (err == EACCES || err == EPERM) {
    n = &c_.denied;
    ex = &ex_.denied;
  } else if (err == ENOENT || err == ENOTDIR) {
    n = &c_.vanished;
    ex = &ex_.vanished;
  } else if (err == ELOOP) {
    n = &c_.loops;
    ex = &ex_.loops;
  }
  ++*n;
  if (ex->size() < kExamples)
    ex->push_back(fmt::format("{} '{}': {}", from_stat ? "stat" : "open", escape_name(path), errno_text(err)));
}

int Walker::open_path(const std::string& path, bool is_root, int mode) const {
  const int flags = mode | O_DIRECTORY | O_CLOEXEC | ((o_.follow || is_root) ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd >= 0 || errno != ENAMETOOLONG) return fd;
  // Deeper than PATH_MAX: walk down one component at a time (each one was
  // a directory when it was read; O_NOFOLLOW keeps it so without -L).
  int cur = ::open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  std::size_t i = 0;
  while (cur >= 0 && i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const std::size_t j = path.find('/', i);
    const std::string comp = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? path.size() : j;
    if (comp.empty()) break;
    const bool last = i >= path.size();
    const int next = ::openat(cur, comp.c_str(),
                              (last ? mode : O_PATH) | O_DIRECTORY | O_CLOEXEC | (o_.follow ? 0 : O_NOFOLLOW));
    const int e = errno;
    ::close(cur);
    cur = next;
    errno = e;
  }
  return cur;
}

int Walker::timed_stat(int dirfd, const char* name, struct stat& st, bool follow) {
  const std::uint64_t t0 = now_ns();
  const int rc = ::fstatat(dirfd, name, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
  const int e = errno;
  stat_hist.record(now_ns() - t0);
  ++c_.stats;
  errno = e;
  return rc;
}

void Walker::start(const std::string& root) {
  struct stat st {};
  // The root as given is followed when it is a symlink (pfind resolves it
  // with realpath); below it nothing is followed unless -L.
  if (::stat(root.c_str(), &st) != 0)
    throw IoError("stat", root, errno, 0, -1, -1, "give an existing directory to walk");
  if (!S_ISDIR(st.st_mode))
    throw Error(ExitCode::kRuntime,
                fmt::format("rank 0: '{}' is not a directory; find_like walks a directory tree; give a directory",
                            root));
  std::string dir = root;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::size_t slash = dir.find_last_of('/');
  const std::string base = (slash == std::string::npos || dir.size() == 1) ? dir : dir.substr(slash + 1);
  ++c_.scanned;
  const Filter& f = o_.filter;
  if (f.name_matches(base.c_str()) && (!f.type || *f.type == 'd') && f.stat_matches(st)) {
    ++c_.matched;
    sink_.add(root, nullptr);
  }
  WorkItem item;
  item.kind = WorkItem::Kind::kDir;
  item.path = dir;
  if (o_.follow) item.ancestors.push_back({static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
  queue_.push_back(std::move(item));
}

void Walker::step() {
  if (stream_) {
    if (queue_.size() < o_.queue_limit) {
      read_chunk();
      return;
    }
    // The queue is at -q's limit: test the newest chunk before reading more.
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it)
      if (it->kind == WorkItem::Kind::kChunk) {
        WorkItem chunk = std::move(*it);
        queue_.erase(std::next(it).base());
        ++c_.items_done;
        test_chunk(chunk);
        return;
      }
    read_chunk();  // only directories queued: keep reading
    return;
  }
  WorkItem item = std::move(queue_.back());
  queue_.pop_back();
  ++c_.items_done;
  if (item.kind == WorkItem::Kind::kDir)
    open_dir(std::move(item));
  else
    test_chunk(item);
}

void Walker::open_dir(WorkItem&& item) {
  const std::uint64_t t0 = now_ns();
  const int fd = open_path(item.path, item.depth == 0, O_RDONLY);
  const int e = errno;
  open_hist.record(now_ns() - t0);
  if (fd < 0) {
    note_error(e, item.path, false);
    return;
  }
  ++c_.dirs;
  stream_ = std::make_unique<Stream>();
  stream_->fd = fd;
  stream_->dir = std::move(item);
}

void Walker::read_chunk() {
  Stream& s = *stream_;
  WorkItem chunk;
  chunk.kind = WorkItem::Kind::kChunk;
  chunk.depth = s.dir.depth;
  bool end = false;
  while (chunk.entries.size() < o_.chunk_entries) {
    if (s.pos >= s.len) {
      const std::uint64_t t0 = now_ns();
      const long n = ::syscall(SYS_getdents64, s.fd, s.buf.data(), s.buf.size());
      const int e = errno;
      getdents_hist.record(now_ns() - t0);
      ++c_.getdents;
      if (n < 0) {
        if (e == EINTR) continue;
        note_error(e, s.dir.path, false);
        end = true;
        break;
      }
      if (n == 0) {
        end = true;
        break;
      }
      s.pos = 0;
      s.len = static_cast<std::size_t>(n);
    }
    const auto* d = reinterpret_cast<const LinuxDirent64*>(s.buf.data() + s.pos);
    s.pos += d->d_reclen;
    if (is_dot(d->d_name)) continue;
    chunk.entries.push_back({std::string(d->d_name), d->d_type});
  }
  if (!chunk.entries.empty()) {
    chunk.path = s.dir.path;
    chunk.ancestors = s.dir.ancestors;
    queue_.push_back(std::move(chunk));
  }
  if (end) stream_.reset();
}

void Walker::test_chunk(const WorkItem& item) {
  const Filter& f = o_.filter;
  int dirfd = -1;
  bool dirfd_failed = false;
  const auto get_dirfd = [&]() -> int {
    if (dirfd < 0 && !dirfd_failed) {
      dirfd = open_path(item.path, item.depth == 0, O_PATH);
      if (dirfd < 0) {
        note_error(errno, item.path, false);
        dirfd_failed = true;
      }
    }
    return dirfd;
  };
  for (const DirEntry& e : item.entries) {
    ++c_.scanned;
    ++c_.dirents;
    const char* name = e.name.c_str();
    if (!is_valid_utf8(e.name)) {
      ++c_.non_utf8;
      if (ex_.non_utf8.size() < kExamples) ex_.non_utf8.push_back(escape_name(join(item.path, name)));
    }
    char t = type_of_dtype(e.d_type);
    if (!t) ++c_.unknown_type;
    const bool name_ok = f.name_matches(name);
    const bool type_ok_known = !f.type || !t || (t == 'l' && o_.follow) || *f.type == t;
    const bool need_stat = o_.stat_all || !t || (o_.follow && (t == 'l' || t == 'd')) ||
                           (f.needs_stat() && name_ok && type_ok_known);
    struct stat st {};
    bool have_stat = false;
    if (need_stat) {
      const int fd = get_dirfd();
      if (fd < 0) {
        if (t && t != 'd') ++c_.files;
        continue;
      }
      int rc = timed_stat(fd, name, st, o_.follow);
      if (rc != 0 && o_.follow && errno == ENOENT) rc = timed_stat(fd, name, st, false);  // dangling: the link itself
      if (rc != 0) {
        note_error(errno, join(item.path, name), true);
        if (t && t != 'd') ++c_.files;
        continue;
      }
      have_stat = true;
      t = type_of_mode(st.st_mode);
    }
    if (t != 'd') ++c_.files;
    DevIno me{};
    if (t == 'd' && o_.follow) {
      // -L: a directory that leads back to one of its ancestors is a loop:
      // counted, neither matched nor descended (GNU find -L).
      me = DevIno{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
      bool cycle = false;
      for (const DevIno& a : item.ancestors) cycle = cycle || a == me;
      if (cycle) {
        ++c_.loops;
        if (ex_.loops.size() < kExamples)
          ex_.loops.push_back(fmt::format("'{}' leads back to one of its parent directories (not descended)",
                                          escape_name(join(item.path, name))));
        continue;
      }
    }
    if (name_ok && (!f.type || *f.type == t) && (!f.needs_stat() || (have_stat && f.stat_matches(st)))) {
      ++c_.matched;
      sink_.add(item.path, name);
    }
    if (t != 'd') continue;
    WorkItem sub;
    sub.kind = WorkItem::Kind::kDir;
    sub.depth = item.depth + 1;
    sub.path = join(item.path, name);
    if (o_.follow) {
      sub.ancestors = item.ancestors;
      sub.ancestors.push_back(me);
    }
    queue_.push_back(std::move(sub));
  }
  if (dirfd >= 0) ::close(dirfd);
}

std::vector<WorkItem> Walker::give_half() {
  const std::size_t n = queue_.size();
  const std::size_t k = stream_ ? (n + 1) / 2 : n / 2;
  std::vector<WorkItem> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return out;
}

void Walker::receive(std::vector<WorkItem>&& items) {
  for (auto& it : items) queue_.push_back(std::move(it));
}

std::uint64_t Walker::drop_all() {
  const std::uint64_t n = queue_.size() + (stream_ ? 1 : 0);
  queue_.clear();
  stream_.reset();
  return n;
}

}  // namespace pfsbench::find_like
