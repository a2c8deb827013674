// One reader on a real file, no MPI: the two spans it records. The read
// span (the headline) ends when the last unit has been read; the full span
// also holds the teardown (the final munmap of --map whole, the close).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "checksum.hpp"
#include "reader.hpp"
#include "pfsbench/sigbus.hpp"

namespace pfsbench::mmap_read {
namespace {

class PatternedFile {
 public:
  explicit PatternedFile(std::size_t size) : bytes_(size) {
    char tmpl[] = "/tmp/pfsb-reader-XXXXXX";
    const int fd = mkstemp(tmpl);
    path_ = tmpl;
    EXPECT_GE(fd, 0);
    for (std::size_t i = 0; i < size; ++i) bytes_[i] = static_cast<std::byte>((i * 7 + i / 4096) & 0xff);
    EXPECT_EQ(write(fd, bytes_.data(), size), static_cast<ssize_t>(size));
    close(fd);
  }
  ~PatternedFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::uint64_t sum() const { return sum64(bytes_.data(), bytes_.size()); }

 private:
  std::vector<std::byte> bytes_;
  std::string path_;
};

ReaderTask task_for(const PatternedFile& f, std::uint64_t size, Api api, MapMode map) {
  ReaderTask t;
  t.api = api;
  t.map = map;
  t.path = f.path();
  t.file_bytes = size;
  t.page_bytes = 4096;
  t.unit_bytes = 64 * 1024;
  t.slice = Slice{0, size};
  return t;
}

void expect_two_spans(const ReaderResult& r, std::uint64_t size, std::uint64_t expected_sum) {
  EXPECT_EQ(r.code, ExitCode::kOk) << r.error;
  EXPECT_EQ(r.bytes, size);
  EXPECT_EQ(r.checksum, expected_sum);
  // The read span starts with the full span and ends inside it.
  EXPECT_GT(r.read_end_s, r.span.start_s);
  EXPECT_LE(r.read_end_s, r.span.end_s);
  EXPECT_EQ(r.read_span().start_s, r.span.start_s);
  EXPECT_DOUBLE_EQ(r.read_span().end_s, r.read_end_s);
  EXPECT_GE(r.teardown_s(), 0.0);
  EXPECT_DOUBLE_EQ(r.read_span().duration_s() + r.teardown_s(), r.span.duration_s());
}

TEST(Reader, WholeMapReadSpanEndsBeforeTheFinalMunmap) {
  install_sigbus_handler();
  const std::uint64_t size = 1 << 20;
  PatternedFile f(size);
  Reader reader(task_for(f, size, Api::kMmap, MapMode::kWhole));
  ReaderProgress progress;
  const ReaderResult r = reader.run(progress);
  expect_two_spans(r, size, f.sum());
  EXPECT_EQ(r.map_calls, 1u);
}

TEST(Reader, ChunkMapAndPreadHaveBothSpans) {
  install_sigbus_handler();
  const std::uint64_t size = 256 * 1024 + 4096;
  PatternedFile f(size);
  for (const Api api : {Api::kMmap, Api::kPread}) {
    Reader reader(task_for(f, size, api, MapMode::kChunk));
    ReaderProgress progress;
    const ReaderResult r = reader.run(progress);
    expect_two_spans(r, size, f.sum());
    EXPECT_EQ(r.map_calls, api == Api::kMmap ? 5u : 0u);  // 4 x 64 KiB + 4 KiB
  }
}

TEST(Reader, AFailedOpenStillHasAConsistentReadSpan) {
  ReaderTask t;
  t.path = "/nonexistent-pfsb-dir/f";
  t.file_bytes = 4096;
  t.unit_bytes = 4096;
  t.slice = Slice{0, 4096};
  Reader reader(std::move(t));
  ReaderProgress progress;
  const ReaderResult r = reader.run(progress);
  EXPECT_NE(r.code, ExitCode::kOk);
  EXPECT_GE(r.read_end_s, r.span.start_s);
  EXPECT_LE(r.read_end_s, r.span.end_s);
}

}  // namespace
}  // namespace pfsbench::mmap_read
