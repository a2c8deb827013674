#include "name_buffer.hpp"

#include <cstring>
#include <stdexcept>

namespace pfsbench::mdtest_like {

NameBuffer::NameBuffer(std::string_view prefix) {
  if (prefix.size() > kMaxPrefix) throw std::length_error("NameBuffer: prefix too long");
  std::memcpy(buf_.data(), prefix.data(), prefix.size());
  prefix_len_ = prefix.size();
  set(0);
}

void NameBuffer::set(std::uint64_t value) {
  const std::string digits = std::to_string(value);
  std::memcpy(buf_.data() + prefix_len_, digits.data(), digits.size());
  end_ = prefix_len_ + digits.size();
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
