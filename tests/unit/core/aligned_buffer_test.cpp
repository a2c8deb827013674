// AlignedBuffer: alignment, size, zeroed contents, move-only ownership.
#include "pfsbench/aligned_buffer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace pfsbench {
namespace {

TEST(AlignedBuffer, AlignedSizedAndZeroed) {
  for (const auto& [bytes, align] : {std::pair<std::size_t, std::size_t>{1, 512}, {4096, 4096}, {32768, 4096},
                                     {1000, 64}, {1 << 20, 2 << 20}}) {
    AlignedBuffer b(bytes, align);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % align, 0u) << bytes << "/" << align;
    EXPECT_EQ(b.size(), bytes);
    EXPECT_EQ(b.span().size(), bytes);
    for (std::size_t i = 0; i < bytes; i += 997) EXPECT_EQ(b.data()[i], std::byte{0});
    b.data()[bytes - 1] = std::byte{7};  // the whole usable size is writable
  }
}

TEST(AlignedBuffer, MoveOnly) {
  static_assert(!std::is_copy_constructible_v<AlignedBuffer>);
  static_assert(std::is_nothrow_move_constructible_v<AlignedBuffer>);
  AlignedBuffer a(8192, 4096);
  std::byte* p = a.data();
  AlignedBuffer b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.size(), 8192u);
}

TEST(AlignedBuffer, ZeroBytesIsRefused) { EXPECT_THROW(AlignedBuffer(0, 4096), std::bad_alloc); }

}  // namespace
}  // namespace pfsbench
