#include "pfsbench/aligned_buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace pfsbench {

AlignedBuffer::AlignedBuffer(std::size_t bytes, std::size_t alignment) : size_(bytes) {
  const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* p = nullptr;
  if (rounded == 0 || posix_memalign(&p, alignment, rounded) != 0) throw std::bad_alloc();
  data_.reset(static_cast<std::byte*>(p));
  std::memset(p, 0, rounded);  // fault every page in now, not in a timed loop
}

void AlignedBuffer::Free::operator()(std::byte* p) const noexcept { std::free(p); }

}  // namespace pfsbench
