// The exported glibc malloc family and the C++ allocation operators, mapped onto
// poolmalloc. Everything a program or libc can call to allocate lives in this one object,
// so a static link never pulls glibc's malloc. malloc and free inline the fast paths.
#include <errno.h>
#include <malloc.h>
#include <stdio.h>

#include <new>

#include "alloc.hpp"
#include "poolmalloc.h"
#include "stats.hpp"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

// pm_entry: allocator frames, which the heap profiler leaves out of its stacks (prof.hpp).
#define PM_EXPORT extern "C" __attribute__((visibility("default"), section("pm_entry")))

PM_EXPORT void* malloc(size_t size) noexcept { return pm::alloc(size); }
PM_EXPORT void free(void* p) noexcept { pm::dealloc(p); }
PM_EXPORT void cfree(void* p) noexcept { pm::dealloc(p); }
PM_EXPORT void* calloc(size_t n, size_t size) noexcept { return pm::alloc_zeroed(n, size); }
PM_EXPORT void* realloc(void* p, size_t size) noexcept { return pm::realloc_block(p, size); }
PM_EXPORT void* reallocarray(void* p, size_t n, size_t size) noexcept { return pm_reallocarray(p, n, size); }
PM_EXPORT void* memalign(size_t align, size_t size) noexcept { return pm_memalign(align, size); }
PM_EXPORT void* aligned_alloc(size_t align, size_t size) noexcept { return pm_aligned_alloc(align, size); }
PM_EXPORT int posix_memalign(void** out, size_t align, size_t size) noexcept {
  return pm_posix_memalign(out, align, size);
}
PM_EXPORT void* valloc(size_t size) noexcept { return pm_valloc(size); }
PM_EXPORT void* pvalloc(size_t size) noexcept { return pm_pvalloc(size); }
PM_EXPORT size_t malloc_usable_size(void* p) noexcept { return pm_usable_size(p); }
PM_EXPORT void free_sized(void* p, size_t size) noexcept { pm_free_sized(p, size); }
PM_EXPORT void free_aligned_sized(void* p, size_t align, size_t size) noexcept {
  pm_free_aligned_sized(p, align, size);
}

// glibc's internal names, so that nothing in a static link needs glibc's malloc.o.
PM_EXPORT void* __libc_malloc(size_t size) noexcept { return pm::alloc(size); }
PM_EXPORT void __libc_free(void* p) noexcept { pm::dealloc(p); }
PM_EXPORT void* __libc_calloc(size_t n, size_t size) noexcept { return pm::alloc_zeroed(n, size); }
PM_EXPORT void* __libc_realloc(void* p, size_t size) noexcept { return pm::realloc_block(p, size); }
PM_EXPORT void* __libc_memalign(size_t align, size_t size) noexcept { return pm_memalign(align, size); }
PM_EXPORT void* __libc_valloc(size_t size) noexcept { return pm_valloc(size); }
PM_EXPORT void* __libc_pvalloc(size_t size) noexcept { return pm_pvalloc(size); }
PM_EXPORT int __posix_memalign(void** out, size_t align, size_t size) noexcept {
  return pm_posix_memalign(out, align, size);
}

// Tuning and reports.
PM_EXPORT int mallopt(int, int) noexcept { return 1; }
PM_EXPORT int malloc_trim(size_t pad) noexcept { return pm_trim(pad); }
PM_EXPORT struct mallinfo2 mallinfo2() noexcept { return pm::stats_mallinfo2(); }
PM_EXPORT struct mallinfo mallinfo() noexcept {
  struct mallinfo2 m = pm::stats_mallinfo2();
  struct mallinfo r{};
  r.arena = int(m.arena);
  r.ordblks = int(m.ordblks);
  r.smblks = int(m.smblks);
  r.hblks = int(m.hblks);
  r.hblkhd = int(m.hblkhd);
  r.usmblks = int(m.usmblks);
  r.fsmblks = int(m.fsmblks);
  r.uordblks = int(m.uordblks);
  r.fordblks = int(m.fordblks);
  r.keepcost = int(m.keepcost);
  return r;
}
PM_EXPORT void malloc_stats() noexcept { pm::stats_print_malloc_stats(); }
PM_EXPORT int malloc_info(int options, FILE* out) noexcept {
  if (options != 0) {
    errno = EINVAL;
    return -1;
  }
  return pm::stats_print_malloc_info(out);
}

// ---- C++ operators ---------------------------------------------------------------------------
namespace {
// operator new: ask the new-handler for memory until there is some or it gives up.
__attribute__((noinline, section("pm_entry"))) void* new_slow(size_t size, size_t align, bool nothrow, bool array) {
  for (;;) {
    void* p = align ? pm_aligned_alloc(align, size) : pm::alloc_new(size, array);
    if (p) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) {
      if (nothrow) return nullptr;
      throw std::bad_alloc();
    }
    if (nothrow) {
      try {
        handler();
      } catch (const std::bad_alloc&) {
        return nullptr;
      }
    } else {
      handler();
    }
  }
}

// Forced in line: with the heap profiler's countdown, alloc() is big enough that GCC would
// otherwise share one copy between the operators and add a jump to every prof=0 new.
PM_INLINE void* new_impl(size_t size, bool array) {
  void* p = pm::alloc_new(size, array);
  if (__builtin_expect(p != nullptr, 1)) return p;
  return new_slow(size, 0, false, array);
}

inline void* new_aligned(size_t size, std::align_val_t align, bool nothrow) {
  void* p = pm_aligned_alloc(size_t(align), size);
  if (__builtin_expect(p != nullptr, 1)) return p;
  return new_slow(size, size_t(align), nothrow, false);
}

PM_INLINE void* new_nothrow(size_t size, bool array) noexcept {
  void* p = pm::alloc_new(size, array);
  if (__builtin_expect(p != nullptr, 1)) return p;
  return new_slow(size, 0, true, array);
}
}  // namespace

#define PM_CXX __attribute__((visibility("default"), section("pm_entry")))

PM_CXX void* operator new(size_t n) { return new_impl(n, false); }
PM_CXX void* operator new[](size_t n) { return new_impl(n, true); }
PM_CXX void* operator new(size_t n, const std::nothrow_t&) noexcept { return new_nothrow(n, false); }
PM_CXX void* operator new[](size_t n, const std::nothrow_t&) noexcept { return new_nothrow(n, true); }
PM_CXX void* operator new(size_t n, std::align_val_t a) { return new_aligned(n, a, false); }
PM_CXX void* operator new[](size_t n, std::align_val_t a) { return new_aligned(n, a, false); }
PM_CXX void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_aligned(n, a, true);
}
PM_CXX void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_aligned(n, a, true);
}

PM_CXX void operator delete(void* p) noexcept { pm::dealloc_delete(p, false, "delete"); }
PM_CXX void operator delete[](void* p) noexcept { pm::dealloc_delete(p, true, "delete[]"); }
PM_CXX void operator delete(void* p, const std::nothrow_t&) noexcept { pm::dealloc_delete(p, false, "delete"); }
PM_CXX void operator delete[](void* p, const std::nothrow_t&) noexcept { pm::dealloc_delete(p, true, "delete[]"); }
// Sized deletes: the size must be the one new was given. The default build checks it
// against the block's size class (new(size) always takes size_class(size)); the hardened
// variant against the exact size in the block's record.
PM_CXX void operator delete(void* p, size_t n) noexcept { pm::dealloc_delete_sized(p, n, false, "delete"); }
PM_CXX void operator delete[](void* p, size_t n) noexcept { pm::dealloc_delete_sized(p, n, true, "delete[]"); }
// Aligned forms: the block came from an aligned allocation (a larger class), so the size
// is checked against the usable size only.
PM_CXX void operator delete(void* p, std::align_val_t) noexcept { pm::dealloc(p); }
PM_CXX void operator delete[](void* p, std::align_val_t) noexcept { pm::dealloc(p); }
PM_CXX void operator delete(void* p, size_t n, std::align_val_t a) noexcept {
  pm::free_checked(p, n, size_t(a), "delete");
}
PM_CXX void operator delete[](void* p, size_t n, std::align_val_t a) noexcept {
  pm::free_checked(p, n, size_t(a), "delete[]");
}
PM_CXX void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { pm::dealloc(p); }
PM_CXX void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { pm::dealloc(p); }
