#include "block_device.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "pfsbench/fs.hpp"

namespace pfsbench::dio_batch {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The existing path itself or its nearest existing parent.
std::string existing_path(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  while (!p.empty() && !fs::exists(p, ec)) {
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return p.string();
}

}  // namespace

std::optional<BlockDevice> resolve_block_device(const std::string& path) {
  BlockDevice dev;
  std::string current = existing_path(path);
  for (int depth = 0; depth < 8; ++depth) {
    struct stat st {};
    if (::stat(current.c_str(), &st) != 0) return std::nullopt;
    const std::string link = fmt::format("/sys/dev/block/{}:{}", major(st.st_dev), minor(st.st_dev));
    std::error_code ec;
    fs::path sys = fs::canonical(link, ec);
    if (ec) return std::nullopt;  // not a block device (tmpfs, NFS, FUSE...)
    if (fs::exists(sys / "partition", ec)) sys = sys.parent_path();  // partition -> its disk
    const std::string name = sys.filename().string();
    dev.chain.push_back(name);
    dev.name = name;
    dev.stat_path = (sys / "stat").string();
    // A loop device: its requests become I/O on the backing file's disk.
    if (auto backing = read_small_file((sys / "loop" / "backing_file").string())) {
      const std::string b = trim(*backing);
      if (!b.empty() && fs::exists(b, ec)) {
        current = b;
        continue;
      }
    }
    return dev;
  }
  return dev.chain.empty() ? std::nullopt : std::optional<BlockDevice>(dev);
}

std::optional<DiskCounters> parse_disk_stat(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::uint64_t f[7];
  for (auto& v : f)
    if (!(in >> v)) return std::nullopt;
  // read ios, read merges, read sectors, read ticks, write ios, write merges, write sectors
  DiskCounters c;
  c.read_ios = f[0];
  c.read_merges = f[1];
  c.read_sectors = f[2];
  c.write_ios = f[4];
  c.write_merges = f[5];
  c.write_sectors = f[6];
  return c;
}

std::optional<DiskCounters> read_disk_counters(const BlockDevice& dev) {
  auto text = read_small_file(dev.stat_path);
  if (!text) return std::nullopt;
  return parse_disk_stat(*text);
}

DiskDelta disk_delta(const DiskCounters& before, const DiskCounters& after, bool write) noexcept {
  auto d = [](std::uint64_t a, std::uint64_t b) { return b >= a ? b - a : 0; };
  DiskDelta out;
  if (write) {
    out.requests = d(before.write_ios, after.write_ios);
    out.merges = d(before.write_merges, after.write_merges);
    out.bytes = d(before.write_sectors, after.write_sectors) * 512;
  } else {
    out.requests = d(before.read_ios, after.read_ios);
    out.merges = d(before.read_merges, after.read_merges);
    out.bytes = d(before.read_sectors, after.read_sectors) * 512;
  }
  return out;
}

}  // namespace pfsbench::dio_batch
