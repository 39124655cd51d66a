// The pm_* C API: glibc semantics (errno values, argument checks) over alloc.hpp.
#include <errno.h>

#include "alloc.hpp"
#include "poolmalloc.h"

using namespace pm;

namespace {
bool power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }
}  // namespace

extern "C" {

PM_API void* pm_malloc(size_t size) noexcept { return alloc(size); }
PM_API void pm_free(void* p) noexcept { dealloc(p); }
PM_API void* pm_calloc(size_t count, size_t size) noexcept { return alloc_zeroed(count, size); }
PM_API void* pm_realloc(void* p, size_t size) noexcept { return realloc_block(p, size); }

PM_API void* pm_reallocarray(void* p, size_t count, size_t size) noexcept {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc_block(p, total);
}

PM_API void pm_free_sized(void* p, size_t size) noexcept { free_checked(p, size, 0, "free_sized"); }

PM_API void pm_free_aligned_sized(void* p, size_t alignment, size_t size) noexcept {
  free_checked(p, size, alignment, "free_aligned_sized");
}

PM_API void* pm_aligned_alloc(size_t alignment, size_t size) noexcept {
  if (!power_of_two(alignment)) {
    errno = EINVAL;
    return nullptr;
  }
  return alloc_aligned(alignment, size);
}

PM_API void* pm_memalign(size_t alignment, size_t size) noexcept { return pm_aligned_alloc(alignment, size); }

PM_PROF_ENTRY PM_API int pm_posix_memalign(void** memptr, size_t alignment, size_t size) noexcept {
  if (!power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  int saved = errno;
  void* p = alloc_aligned(alignment, size);
  if (!p) return ENOMEM;  // errno is ENOMEM too, as glibc leaves it
  errno = saved;
  *memptr = p;
  return 0;
}

PM_API void* pm_valloc(size_t size) noexcept { return alloc_aligned(kOsPage, size); }

PM_API void* pm_pvalloc(size_t size) noexcept {
  size_t rounded = (size + kOsPage - 1) & ~(kOsPage - 1);
  if (rounded < size) {
    errno = ENOMEM;
    return nullptr;
  }
  return alloc_aligned(kOsPage, rounded ? rounded : kOsPage);
}

PM_API size_t pm_usable_size(const void* p) noexcept { return p ? usable_size(p) : 0; }
PM_API int pm_owns(const void* p) noexcept { return owns(p) ? 1 : 0; }
PM_API int pm_trim(size_t) noexcept { return trim(); }
PM_API void pm_collect(int force) noexcept {
  if (force) {
    trim();
  } else {
    heap_collect(tl_heap, false);
  }
}

}  // extern "C"
