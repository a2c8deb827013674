#pragma once
// An item name built in one reused buffer: a prefix followed by a decimal
// counter that is incremented in place. The timed loops use it so that naming
// an item costs a few byte stores, never an allocation; the prefix is a bare
// item prefix ("file.mdtest.3.") under a directory fd, or the item's whole
// directory path ("DIR/test-dir.0-0/mdtest_tree.0/file.mdtest.3.") when every
// operation resolves the full path as mdtest does. Pure; unit-tested against
// std::to_string.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pfsbench::mdtest_like {

class NameBuffer {
 public:
  /// Longest prefix accepted: a path, short of PATH_MAX (4096) by the
  /// counter's 20 digits and the NUL.
  static constexpr std::size_t kMaxPrefix = 4096 - 24;

  /// Throws std::length_error when the prefix is longer than kMaxPrefix.
  explicit NameBuffer(std::string_view prefix);

  /// Replaces the prefix and sets the counter to `value`: a copy and
  /// std::to_chars, no allocation. Throws std::length_error as above.
  void reset(std::string_view prefix, std::uint64_t value);
  /// Sets the counter to `value` (std::to_chars, no allocation).
  void set(std::uint64_t value) noexcept;
  /// counter += 1, in place. No allocation; amortised O(1).
  void increment() noexcept {
    std::size_t i = end_;
    while (i > prefix_len_) {
      --i;
      if (buf_[i] != '9') {
        ++buf_[i];
        return;
      }
      buf_[i] = '0';
    }
    grow_one_digit();
  }
  /// NUL-terminated name.
  const char* c_str() const noexcept { return buf_.data(); }
  std::string_view view() const noexcept { return {buf_.data(), end_}; }

 private:
  void grow_one_digit() noexcept;
  std::array<char, kMaxPrefix + 24> buf_;
  std::size_t prefix_len_ = 0;
  std::size_t end_ = 0;  ///< position of the terminating NUL
};

}  // namespace pfsbench::mdtest_like
