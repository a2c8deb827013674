// The null backend: every operation succeeds at once and nothing touches a
// filesystem (IOR's DUMMY, fio's null engine). It measures the tool's own
// overhead and makes logic tests cheap.
#include "backends/backends.hpp"

namespace pfsbench::ior_like {
namespace {

class NullFile final : public FileHandle {
 public:
  void write_at(const std::byte*, std::size_t, std::uint64_t) override {}
  void read_at(std::byte*, std::size_t, std::uint64_t) override {}
  void fsync() override {}
  void close() override {}
};

class NullBackend final : public IoBackend {
 public:
  std::string name() const override { return "null"; }
  BackendCaps caps() const override { return find_backend("null").caps; }
  std::unique_ptr<FileHandle> open(const Comm&, const OpenRequest&) override { return std::make_unique<NullFile>(); }
  void remove(const std::string&, int) override {}
  bool exists(const std::string&) override { return false; }
};

}  // namespace

std::unique_ptr<IoBackend> make_null_backend() { return std::make_unique<NullBackend>(); }

}  // namespace pfsbench::ior_like
