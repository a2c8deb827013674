// Filesystem helpers (fs.hpp): mountinfo parsing on literal text, statfs
// magic names, path helpers, atomic writes and the writable-dir check.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pfsbench/error.hpp"
#include "pfsbench/fs.hpp"

namespace pfsbench {
namespace {

// A mountinfo with the traps: /work vs /workspace (prefix that is not a
// path component), a mount point with an escaped space, two mounts on the
// same point (the later one is on top), several optional fields, and lines
// that are not mount lines at all.
constexpr const char* kMountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "30 22 8:17 / /work rw,relatime shared:2 - xfs /dev/sdb1 rw,attr2,inode64\n"
    "31 22 8:33 / /workspace rw,relatime - ext4 /dev/sdc1 rw\n"
    "32 30 0:40 / /work/my\\040dir rw,nosuid shared:7 master:3 - tmpfs tmp\\040fs rw,size=1024k\n"
    "33 22 0:26 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw\n"
    "garbage line without a separator\n"
    "\n"
    "34 22 0:41 / /dev/shm rw,noexec - tmpfs shm-on-top rw,size=65536k\n"
    "35 22 0:42 / /gpfs/fs1 rw,relatime - gpfs fs1 rw\n"
    "36 35 0:43 /sub /gpfs/fs1/back\\134slash rw - nfs srv:/export rw,vers=4.2";  // no final newline

struct MountCase {
  const char* path;
  const char* mount_point;
  const char* fstype;
  const char* source;
};

TEST(FindMount, LongestComponentPrefixWins) {
  const std::vector<MountCase> cases = {
      {"/work/a/b", "/work", "xfs", "/dev/sdb1"},
      {"/work", "/work", "xfs", "/dev/sdb1"},
      {"/work/", "/work", "xfs", "/dev/sdb1"},
      {"/workspace/x", "/workspace", "ext4", "/dev/sdc1"},
      {"/workx", "/", "ext4", "/dev/sda1"},
      {"/wor", "/", "ext4", "/dev/sda1"},
      {"/etc/passwd", "/", "ext4", "/dev/sda1"},
      {"/", "/", "ext4", "/dev/sda1"},
      {"/work/my dir/file", "/work/my dir", "tmpfs", "tmp fs"},
      {"/work/my dir", "/work/my dir", "tmpfs", "tmp fs"},
      {"/work/my", "/work", "xfs", "/dev/sdb1"},
      {"/work/my dirt", "/work", "xfs", "/dev/sdb1"},
      {"/dev/shm/f", "/dev/shm", "tmpfs", "shm-on-top"},  // the later mount is on top
      {"/gpfs/fs1/data", "/gpfs/fs1", "gpfs", "fs1"},
      {"/gpfs/fs1/back\\slash/x", "/gpfs/fs1/back\\slash", "nfs", "srv:/export"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    const auto m = find_mount(kMountinfo, c.path);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->mount_point, c.mount_point);
    EXPECT_EQ(m->fstype, c.fstype);
    EXPECT_EQ(m->source, c.source);
  }
}

TEST(FindMount, OptionsAndDevice) {
  const auto m = find_mount(kMountinfo, "/work/my dir/x");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->major_minor, "0:40");
  EXPECT_EQ(m->options, "rw,nosuid,rw,size=1024k");  // per-mount, then superblock options
  const auto w = find_mount(kMountinfo, "/work/f");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->major_minor, "8:17");
  EXPECT_EQ(w->options, "rw,relatime,rw,attr2,inode64");
}

TEST(FindMount, NothingMatches) {
  EXPECT_FALSE(find_mount("", "/x").has_value());
  EXPECT_FALSE(find_mount("30 22 8:17 / /work rw - xfs /dev/sdb1 rw\n", "/workspace").has_value());
  EXPECT_FALSE(find_mount("not mountinfo at all\n- - -\n", "/").has_value());
}

TEST(FindMount, RealMountinfoFindsTheRoot) {
  const auto text = read_small_file("/proc/self/mountinfo");
  ASSERT_TRUE(text.has_value());
  const auto m = find_mount(*text, "/");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->mount_point, "/");
}

TEST(FsTypeName, KnownMagics) {
  const std::vector<std::pair<std::uint64_t, const char*>> cases = {
      {0xEF53, "ext4"},          {0x58465342, "xfs"},   {0x01021994, "tmpfs"}, {0x9123683E, "btrfs"},
      {0x6969, "nfs"},           {0x0BD00BD0, "lustre"}, {0x47504653, "gpfs"},  {0x19830326, "beegfs"},
      {0x00C36400, "ceph"},      {0x794C7630, "overlayfs"}, {0xFF534D42, "cifs"}, {0x65735546, "fuse"},
      {0, "unknown"},            {0x12345678, "unknown"}};
  for (const auto& [magic, name] : cases) EXPECT_EQ(fs_type_name(magic), name) << std::hex << magic;
}

TEST(ProbeFilesystem, TmpfsAndNonexistentTarget) {
  // /dev/shm is tmpfs on every Linux we run on; a missing path is probed
  // through its nearest existing parent.
  const FsInfo fs = probe_filesystem("/dev/shm/pfsbench-does-not-exist/deeper/file");
  EXPECT_EQ(fs.probed_path, "/dev/shm");
  EXPECT_EQ(fs.fs_type, "tmpfs");
  EXPECT_EQ(fs.fs_magic, 0x01021994u);
  ASSERT_TRUE(fs.mount.has_value());
  EXPECT_EQ(fs.mount->fstype, "tmpfs");
  EXPECT_GT(fs.block_size_bytes, 0u);
  EXPECT_GT(fs.total_bytes, 0u);
}

TEST(ParentDir, Table) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"/a/b/c", "/a/b"}, {"/a", "/"}, {"/", "/"}, {"a", "."}, {"a/b", "a"}, {"./f", "."}, {"../x/y", "../x"}};
  for (const auto& [path, parent] : cases) EXPECT_EQ(parent_dir(path), parent) << path;
}

// A fresh directory under the build's temp area, removed at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pfsbench-fs-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    for (const auto& f : entries()) unlink((path_ + "/" + f).c_str());
    rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    if (DIR* d = opendir(path_.c_str())) {
      while (dirent* e = readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
      closedir(d);
    }
    return out;
  }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteFileAtomic, WritesExactlyAndLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.path() + "/result.json";
  std::string content = "{\"a\": 1}\n";
  content += std::string("\0\xff binary", 9);
  content += std::string(100000, 'x');  // more than one write() may take
  write_file_atomic(path, content);
  EXPECT_EQ(slurp(path), content);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"result.json"});
  // Replacing an existing file, with a shorter one.
  write_file_atomic(path, "short");
  EXPECT_EQ(slurp(path), "short");
  write_file_atomic(path, "");
  EXPECT_EQ(slurp(path), "");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"result.json"});
}

TEST(WriteFileAtomic, MissingDirectoryIsAnIoError) {
  const std::string path = "/tmp/pfsbench-no-such-dir-4711/x.json";
  try {
    write_file_atomic(path, "x");
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    EXPECT_EQ(e.error_number(), ENOENT);
    EXPECT_EQ(e.code(), ExitCode::kRuntime);
    EXPECT_NE(std::string(e.what()).find("/tmp/pfsbench-no-such-dir-4711/"), std::string::npos) << e.what();
  }
}

TEST(RequireWritableDir, AcceptsAWritableDirectory) {
  TempDir dir;
  EXPECT_NO_THROW(require_writable_dir(dir.path(), "-o", 0));
}

TEST(RequireWritableDir, MissingDirectoryNamesOptionPathAndRank) {
  const std::string missing = "/tmp/pfsbench-no-such-dir-4711";
  try {
    require_writable_dir(missing, "-o", 3);
    ADD_FAILURE() << "no error";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.error_number(), ENOENT);
    EXPECT_EQ(e.path(), missing);
    EXPECT_NE(msg.find("-o"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rank 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ENOENT"), std::string::npos) << msg;
  }
}

TEST(RequireWritableDir, RegularFileIsNotADirectory) {
  // Even an executable file, which access(W_OK|X_OK) accepts.
  TempDir dir;
  for (mode_t mode : {0644u, 0755u}) {
    const std::string file = dir.path() + "/file" + std::to_string(mode);
    const int fd = open(file.c_str(), O_CREAT | O_WRONLY, mode);
    ASSERT_GE(fd, 0);
    close(fd);
    ASSERT_EQ(chmod(file.c_str(), mode), 0);
    try {
      require_writable_dir(file, "-o", 0);
      ADD_FAILURE() << "a regular file with mode " << std::oct << mode << " was accepted as a directory";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("-o"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace pfsbench
