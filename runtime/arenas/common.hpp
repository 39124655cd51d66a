// Helpers shared by the arena implementations: alignment arithmetic with overflow checks and
// the default upstream (the global allocator).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "poolmalloc.h"
#include "poolmalloc_arenas.h"

namespace pm::arena_detail {

// The global allocator's minimum alignment (x86-64 max_align_t).
inline constexpr size_t kHeapAlign = 16;

inline constexpr bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Rounds x up to a multiple of align (a power of two); false on overflow.
inline bool align_up(size_t x, size_t align, size_t *out) {
  size_t r = x + (align - 1);
  if (r < x) return false;
  *out = r & ~(align - 1);
  return true;
}

inline uintptr_t align_addr(uintptr_t x, size_t align) {
  return (x + (align - 1)) & ~static_cast<uintptr_t>(align - 1);
}

// A layout any arena accepts: power-of-two alignment, size within PM_MAX_ALLOC_SIZE.
inline bool layout_ok(pm_layout_t l) { return is_pow2(l.align) && l.size <= PM_MAX_ALLOC_SIZE; }

// Global-allocator block of size bytes at align (0 bytes gives a unique block too).
inline void *heap_alloc(size_t size, size_t align) {
  if (size > PM_MAX_ALLOC_SIZE) return nullptr;
  if (align <= kHeapAlign) return pm_malloc(size);
  size_t rounded;
  if (!align_up(size == 0 ? 1 : size, align, &rounded)) return nullptr;
  return pm_aligned_alloc(align, rounded);
}

// copy_onto's checks and copy, once the two blocks' usable sizes are known (0: not a live
// block).
inline int checked_copy(const void *src, size_t src_start, size_t src_size, void *dst,
                        size_t dst_start, size_t dst_size, size_t len) {
  if (src_size == 0 || dst_size == 0) return PM_ARENA_ENOTOWNED;
  size_t src_end, dst_end;
  if (__builtin_add_overflow(src_start, len, &src_end) ||
      __builtin_add_overflow(dst_start, len, &dst_end) || src_end > src_size ||
      dst_end > dst_size)
    return PM_ARENA_ERANGE;
  if (len != 0)
    __builtin_memmove(static_cast<char *>(dst) + dst_start,
                      static_cast<const char *>(src) + src_start, len);
  return PM_ARENA_OK;
}

void *default_upstream_alloc(void *ctx, size_t size, size_t align);
void default_upstream_dealloc(void *ctx, void *ptr, size_t size, size_t align);

inline pm_upstream_t upstream_or_default(const pm_upstream_t *u) {
  if (u != nullptr && u->alloc != nullptr && u->dealloc != nullptr) return *u;
  return pm_upstream_t{default_upstream_alloc, default_upstream_dealloc, nullptr};
}

}  // namespace pm::arena_detail
