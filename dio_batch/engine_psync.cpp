// psync: pwrite/pread, one request at a time: the synchronous baseline.
#include <unistd.h>

#include <cerrno>

#include <string>

#include "pfsbench/watchdog.hpp"
#include "submitter.hpp"

namespace pfsbench::dio_batch {
namespace {

class PsyncEngine final : public Submitter {
 public:
  PsyncEngine(const EngineSetup& s, std::string path) : fd_(s.fd), write_(s.write), path_(std::move(path)) {}
  QueueStatus queue(const IoUnit& u, std::int64_t& result) noexcept override {
    const auto off = static_cast<off_t>(u.offset);
    // One call per request, as fio's psync: a short transfer is reported
    // as such (the loop turns it into an error), not retried.
    ssize_t r;
    do {
      const IoWatch watch(write_ ? "pwrite" : "pread", path_, static_cast<std::int64_t>(u.offset));
      r = write_ ? ::pwrite(fd_, u.buf, u.len, off) : ::pread(fd_, u.buf, u.len, off);
    } while (r < 0 && errno == EINTR);
    result = r < 0 ? -static_cast<std::int64_t>(errno) : static_cast<std::int64_t>(r);
    return QueueStatus::kCompleted;
  }
  int commit() noexcept override { return 0; }
  int reap(unsigned, std::span<Completion>) noexcept override { return 0; }
  unsigned quiesce(double) noexcept override { return 0; }  // nothing is ever in flight

 private:
  int fd_;
  bool write_;
  std::string path_;
};

}  // namespace

std::unique_ptr<Submitter> make_psync(const EngineSetup& setup, const std::string& path) {
  return std::make_unique<PsyncEngine>(setup, path);
}

}  // namespace pfsbench::dio_batch
