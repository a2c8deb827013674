#pragma once
// Progress lines on stderr for long runs, from rank 0 only, at most one
// every `interval_s`. update() costs one comparison: the caller passes the
// clock it already read for its latency record.

#include <cstdint>
#include <string>

namespace pfsbench {

class Progress {
 public:
  /// `unit` is "bytes" (shown in MiB and MiB/s) or any item name ("files").
  Progress(bool enabled, std::string what, std::uint64_t total, std::string unit,
           double interval_s = 5.0);
  void update(std::uint64_t done, std::uint64_t now_ns) {
    if (enabled_ && now_ns >= next_ns_) print(done, now_ns);
  }

 private:
  void print(std::uint64_t done, std::uint64_t now_ns);
  bool enabled_;
  std::string what_, unit_;
  std::uint64_t total_, start_ns_, next_ns_, interval_ns_;
};

}  // namespace pfsbench
