#pragma once
// One rank's share of the walk, without MPI: a deque of work items and at
// most one open directory stream. The parallel driver (share.hpp) moves
// items between ranks; --serial runs the same walker alone.
//
// Work items:
//  - a directory to open and read;
//  - a chunk: up to `chunk_entries` names read from one directory, to be
//    tested (and lstat'ed when a predicate needs it). A big directory is
//    read by one rank, but its entries leave as chunks that any rank can
//    steal, so one huge directory does not serialize the stats.
// The owner pops from the back (depth first, bounded memory); thieves take
// from the front (the oldest items, the biggest subtrees).
//
// Read-only: directories are opened O_RDONLY|O_DIRECTORY (plus O_NOFOLLOW
// unless -L), entries are read with getdents64 and tested with fstatat on
// the directory's fd; nothing is ever written, symlinks are never followed
// unless -L. Failures of single entries are counted, never thrown.

#include <sys/stat.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "filter.hpp"
#include "pfsbench/histogram.hpp"

namespace pfsbench::find_like {

struct WalkOptions {
  Filter filter;
  bool follow = false;          ///< -L: follow symlinks (loops detected by ancestor dev/ino)
  bool stat_all = false;        ///< --stat-all: lstat every entry (rsync's cost), not only when needed
  std::size_t chunk_entries = 512;  ///< -M: entries per chunk work item
  std::size_t queue_limit = 10000;  ///< -q: a rank reads its open directory only while it holds fewer items
};

struct DevIno {
  std::uint64_t dev = 0, ino = 0;
  bool operator==(const DevIno&) const = default;
};

struct DirEntry {
  std::string name;
  unsigned char d_type = 0;
};

struct WorkItem {
  enum class Kind : std::uint8_t { kDir = 0, kChunk = 1 };
  Kind kind = Kind::kDir;
  std::uint32_t depth = 0;           ///< 0 = the root
  std::string path;                  ///< the directory (as printed: root + "/" + names)
  std::vector<DirEntry> entries;     ///< kChunk: names in `path`
  std::vector<DevIno> ancestors;     ///< -L only: path's directories, root first, itself last
};

/// Appends `items` to `out` as bytes / reads them back (steal messages).
void serialize(const std::vector<WorkItem>& items, std::vector<char>& out);
/// Throws std::runtime_error on a truncated or malformed buffer.
std::vector<WorkItem> deserialize(const char* data, std::size_t size);

/// Per-rank counters (trivially copyable: gathered as one struct).
struct WalkCounters {
  std::uint64_t scanned = 0;       ///< entries tested: every dirent below the root, plus the root
  std::uint64_t dirents = 0;       ///< dirents read below the root (pfind's "scanned dirents")
  std::uint64_t files = 0;         ///< non-directory entries (pfind's "scanned files", IO500's total)
  std::uint64_t dirs = 0;          ///< directories opened and read
  std::uint64_t matched = 0;
  std::uint64_t stats = 0;         ///< fstatat calls
  std::uint64_t getdents = 0;      ///< getdents64 calls
  std::uint64_t unknown_type = 0;  ///< dirents with DT_UNKNOWN (needed a stat to know the type)
  std::uint64_t denied = 0;        ///< EACCES/EPERM (directory not readable, entry not stat-able)
  std::uint64_t vanished = 0;      ///< ENOENT/ENOTDIR: removed or replaced during the walk
  std::uint64_t loops = 0;         ///< -L: symlink loops (ELOOP) and directory cycles
  std::uint64_t non_utf8 = 0;      ///< names that are not valid UTF-8 (tested as bytes)
  std::uint64_t other_errors = 0;  ///< any other failed call
  std::uint64_t items_done = 0;    ///< work items processed
};

/// Where matched paths go: a buffered fd (stdout or a -r file), or nowhere.
class MatchSink {
 public:
  explicit MatchSink(int fd = -1) : fd_(fd) {}
  ~MatchSink();
  MatchSink(const MatchSink&) = delete;
  MatchSink& operator=(const MatchSink&) = delete;
  bool enabled() const noexcept { return fd_ >= 0; }
  void add(const std::string& dir, const char* name);  ///< "dir/name\n"; name null = dir itself
  /// Writes the buffer. Throws std::runtime_error when the write fails.
  void flush();

 private:
  int fd_;
  std::string buf_;
};

class Walker {
 public:
  /// Examples kept per error kind (for the document's warnings).
  static constexpr std::size_t kExamples = 3;
  struct Examples {
    std::vector<std::string> denied, vanished, loops, non_utf8, other;
  };

  Walker(const WalkOptions& opts, MatchSink& sink);
  ~Walker();
  Walker(const Walker&) = delete;
  Walker& operator=(const Walker&) = delete;

  /// Tests the root itself and queues it. Throws IoError when the root
  /// cannot be stat'ed or is not a directory (the run cannot start).
  void start(const std::string& root);
  bool has_work() const noexcept { return stream_ != nullptr || !queue_.empty(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  /// Does one bounded piece of work: reads up to one chunk from the open
  /// directory, or opens the next directory, or tests one chunk.
  void step();
  /// Up to half the queue (the oldest items), for a thief. Never the only
  /// item when no directory stream is open (that would just move the work).
  std::vector<WorkItem> give_half();
  void receive(std::vector<WorkItem>&& items);
  /// Drops every queued item and the open stream (stop). Returns how many.
  std::uint64_t drop_all();

  const WalkCounters& counters() const noexcept { return c_; }
  const Examples& examples() const noexcept { return ex_; }
  LatencyHistogram open_hist, getdents_hist, stat_hist;

 private:
  struct Stream;
  void open_dir(WorkItem&& item);
  void read_chunk();
  void test_chunk(const WorkItem& item);
  void note_error(int err, const std::string& path, bool from_stat);
  /// open(path, mode|O_DIRECTORY), component by component past PATH_MAX.
  int open_path(const std::string& path, bool is_root, int mode) const;
  int timed_stat(int dirfd, const char* name, struct stat& st, bool follow);

  const WalkOptions& o_;
  MatchSink& sink_;
  std::deque<WorkItem> queue_;
  std::unique_ptr<Stream> stream_;
  WalkCounters c_;
  Examples ex_;
};

}  // namespace pfsbench::find_like
