#include "pfsbench/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <span>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "pfsbench/error.hpp"
#include "pfsbench/full_io.hpp"
#include "pfsbench/unique_fd.hpp"

namespace pfsbench {

// statx(STATX_DIOALIGN) lives in dio_align.cpp: glibc 2.36's struct statx
// lacks the DIO fields, so that file uses the kernel's header on its own.
bool query_dio_align(const std::string& path, std::uint32_t& mem_align, std::uint32_t& offset_align);

namespace {

// mountinfo escapes space, tab, newline and backslash as octal.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct(s.substr(i + 1, 3));
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out.push_back(static_cast<char>(std::strtol(oct.c_str(), nullptr, 8)));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool is_prefix_dir(std::string_view mount_point, std::string_view path) {
  if (mount_point == "/") return true;
  if (path.substr(0, mount_point.size()) != mount_point) return false;
  return path.size() == mount_point.size() || path[mount_point.size()] == '/';
}

}  // namespace

std::optional<MountEntry> find_mount(std::string_view text, std::string_view real_path) {
  std::optional<MountEntry> best;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line(text.substr(start, end - start));
    start = end + 1;
    // id parent major:minor root mount_point mount_options [optional...] - fstype source super_options
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    std::size_t dash = 0;
    for (std::size_t i = 6; i < f.size(); ++i)
      if (f[i] == "-") {
        dash = i;
        break;
      }
    if (dash == 0 || dash + 2 >= f.size()) continue;
    MountEntry e;
    e.major_minor = f[2];
    e.mount_point = unescape(f[4]);
    e.fstype = f[dash + 1];
    e.source = unescape(f[dash + 2]);
    e.options = f[5];
    if (dash + 3 < f.size()) e.options += "," + f[dash + 3];
    if (!is_prefix_dir(e.mount_point, real_path)) continue;
    // Later lines win on equal mount points (the mount on top).
    if (!best || e.mount_point.size() >= best->mount_point.size()) best = std::move(e);
  }
  return best;
}

std::string fs_type_name(std::uint64_t magic) {
  switch (magic) {
    case 0xEF53: return "ext4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs";
    case 0x6969: return "nfs";
    case 0xFF534D42: return "cifs";
    case 0x0BD00BD0: return "lustre";
    case 0x47504653: return "gpfs";
    case 0x19830326: return "beegfs";
    case 0x00C36400: return "ceph";
    case 0x2FC12FC1: return "zfs";
    case 0x794C7630: return "overlayfs";
    case 0x65735546: return "fuse";
    case 0x5346414F: return "afs";
    case 0x858458F6: return "ramfs";
    case 0x73717368: return "squashfs";
    case 0xF2F52010: return "f2fs";
    case 0x24051905: return "ubifs";
    case 0x6E736673: return "nsfs";
    default: return "unknown";
  }
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FsInfo probe_filesystem(const std::string& path) {
  FsInfo info;
  std::string p = path.empty() ? "." : path;
  for (int i = 0; i < 64 && access(p.c_str(), F_OK) != 0; ++i) {
    const std::string parent = parent_dir(p);
    if (parent == p) break;
    p = parent;
  }
  info.probed_path = p;
  struct statfs sfs {};
  if (statfs(p.c_str(), &sfs) == 0) {
    info.fs_magic = static_cast<std::uint64_t>(static_cast<unsigned int>(sfs.f_type));
    info.fs_type = fs_type_name(info.fs_magic);
    info.block_size_bytes = static_cast<std::uint64_t>(sfs.f_bsize);
    info.total_bytes = static_cast<std::uint64_t>(sfs.f_blocks) * static_cast<std::uint64_t>(sfs.f_frsize);
    info.free_bytes = static_cast<std::uint64_t>(sfs.f_bavail) * static_cast<std::uint64_t>(sfs.f_frsize);
    info.free_inodes = static_cast<std::uint64_t>(sfs.f_ffree);
  }
  char real[PATH_MAX];
  if (realpath(p.c_str(), real) != nullptr) {
    if (auto text = read_small_file("/proc/self/mountinfo")) info.mount = find_mount(*text, real);
  }
  if (info.mount && (info.fs_type == "ext4" || info.fs_type == "unknown") &&
      (info.mount->fstype == "ext2" || info.mount->fstype == "ext3" || info.mount->fstype == "ext4" ||
       info.fs_type == "unknown"))
    info.fs_type = info.mount->fstype;
  std::uint32_t mem = 0, off = 0;
  if (query_dio_align(p, mem, off)) {
    info.dio_mem_align_bytes = mem;
    info.dio_offset_align_bytes = off;
  }
  return info;
}

void require_writable_dir(const std::string& dir, const std::string& what, int rank) {
  if (access(dir.c_str(), F_OK) != 0)
    throw IoError("access", dir, errno, rank, -1, -1,
                  fmt::format("the directory of {} does not exist; create it first or choose another path", what));
  // access() alone accepts a regular file with an x bit (always, for root).
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    throw IoError("stat", dir, ENOTDIR, rank, -1, -1,
                  fmt::format("the directory of {} is not a directory; choose a directory", what));
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    throw IoError("access", dir, errno, rank, -1, -1,
                  fmt::format("the directory of {} is not writable; choose a writable directory", what));
}

void write_file_atomic(const std::string& path, std::string_view content) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) throw IoError("open", tmp, errno, 0, -1, -1, "cannot write the result document");
  // Never stops on a signal: the document of an interrupted run must be written.
  IoPolicy policy;
  policy.stop = [] { return false; };
  policy.op = "write";
  try {
    pwrite_full(IoFile{fd.get(), tmp, 0}, std::as_bytes(std::span(content.data(), content.size())), 0, policy);
  } catch (const Error&) {
    fd.reset();
    unlink(tmp.c_str());
    throw;
  }
  // close() even when fsync() failed: no descriptor leaks on the error path.
  const int fsync_rc = fsync(fd.get());
  const int fsync_err = errno;
  const int close_err = fd.close();
  const int close_rc = close_err == 0 ? 0 : -1;
  if (fsync_rc != 0 || close_rc != 0) {
    unlink(tmp.c_str());
    throw IoError(fsync_rc != 0 ? "fsync" : "close", tmp, fsync_rc != 0 ? fsync_err : close_err, 0);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    throw IoError("rename", path, err, 0);
  }
}

}  // namespace pfsbench
