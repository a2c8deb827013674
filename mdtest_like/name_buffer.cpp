#include "name_buffer.hpp"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace pfsbench::mdtest_like {

NameBuffer::NameBuffer(std::string_view prefix) { reset(prefix, 0); }

void NameBuffer::reset(std::string_view prefix, std::uint64_t value) {
  if (prefix.size() > kMaxPrefix) throw std::length_error("NameBuffer: prefix too long");
  std::memcpy(buf_.data(), prefix.data(), prefix.size());
  prefix_len_ = prefix.size();
  set(value);
}

void NameBuffer::set(std::uint64_t value) noexcept {
  // 20 digits hold any uint64 and the buffer has 24 bytes past the prefix.
  char* const first = buf_.data() + prefix_len_;
  const auto res = std::to_chars(first, first + 20, value);
  end_ = static_cast<std::size_t>(res.ptr - buf_.data());
  buf_[end_] = '\0';
}

void NameBuffer::grow_one_digit() noexcept {
  // All digits were 9 and are now 0: "999" -> "1000". 20 digits hold any uint64.
  buf_[prefix_len_] = '1';
  buf_[end_] = '0';
  ++end_;
  buf_[end_] = '\0';
}

}  // namespace pfsbench::mdtest_like
