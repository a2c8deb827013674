// statx(STATX_DIOALIGN) with the kernel's struct statx: glibc 2.36 does not
// have the stx_dio_* fields yet. Kept apart so <linux/stat.h> does not meet
// <sys/stat.h>.
#include <fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace pfsbench {

bool query_dio_align(const std::string& path, std::uint32_t& mem_align, std::uint32_t& offset_align) {
#if defined(STATX_DIOALIGN) && defined(SYS_statx)
  struct statx stx {};
  if (syscall(SYS_statx, AT_FDCWD, path.c_str(), 0, STATX_DIOALIGN, &stx) != 0) return false;
  if (!(stx.stx_mask & STATX_DIOALIGN) || stx.stx_dio_offset_align == 0) return false;
  mem_align = stx.stx_dio_mem_align;
  offset_align = stx.stx_dio_offset_align;
  return true;
#else
  (void)path;
  (void)mem_align;
  (void)offset_align;
  return false;
#endif
}

}  // namespace pfsbench
