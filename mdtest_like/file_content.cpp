#include "file_content.hpp"

#include <algorithm>
#include <cstring>

namespace pfsbench::mdtest_like {

namespace {

void make_tag(int owner, std::uint64_t item, std::byte out[kTagBytes]) noexcept {
  const std::uint64_t words[2] = {kTagMagic ^ static_cast<std::uint64_t>(owner), item};
  for (int w = 0; w < 2; ++w)
    for (int b = 0; b < 8; ++b)
      out[w * 8 + b] = static_cast<std::byte>((words[w] >> (8 * b)) & 0xff);
}

}  // namespace

FileContent::FileContent(std::size_t size_bytes, std::uint64_t seed) : pattern_(seed), buf_(size_bytes) {
  pattern_.fill(buf_, 0);
}

void FileContent::set_tag(int owner, std::uint64_t item) noexcept {
  std::byte tag[kTagBytes];
  make_tag(owner, item, tag);
  std::memcpy(buf_.data(), tag, std::min(kTagBytes, buf_.size()));
}

FileContent::Check FileContent::check(std::span<const std::byte> data, int owner,
                                      std::uint64_t item) const noexcept {
  Check c;
  std::byte tag[kTagBytes];
  make_tag(owner, item, tag);
  const std::size_t n = std::min(data.size(), buf_.size());
  const std::size_t head = std::min(n, kTagBytes);
  auto note = [&c](std::size_t off, std::byte want, std::byte got) {
    if (c.ok) {
      c.ok = false;
      c.first_bad_offset = off;
      c.expected = static_cast<std::uint32_t>(want);
      c.found = static_cast<std::uint32_t>(got);
    }
    ++c.bad_bytes;
  };
  for (std::size_t i = 0; i < head; ++i)
    if (data[i] != tag[i]) note(i, tag[i], data[i]);
  if (n > head && std::memcmp(data.data() + head, buf_.data() + head, n - head) != 0)
    for (std::size_t i = head; i < n; ++i)
      if (data[i] != buf_[i]) note(i, buf_[i], data[i]);
  return c;
}

}  // namespace pfsbench::mdtest_like
