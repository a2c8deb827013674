#pragma once
// An I/O buffer aligned for O_DIRECT (or to pages), allocated once per
// phase and faulted in at allocation, so no timed loop pays for the
// buffer's own page faults. Move-only; freed on destruction.

#include <cstddef>
#include <memory>
#include <span>

namespace pfsbench {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  /// `bytes` rounded up to a multiple of `alignment` (a power of two, at
  /// least sizeof(void*)); every page written once. Throws std::bad_alloc.
  AlignedBuffer(std::size_t bytes, std::size_t alignment);

  std::byte* data() const noexcept { return data_.get(); }
  /// The usable size: `bytes` as asked, not the rounded allocation.
  std::size_t size() const noexcept { return size_; }
  std::span<std::byte> span() const noexcept { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(std::byte* p) const noexcept;
  };
  std::unique_ptr<std::byte[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace pfsbench
