// Layout arithmetic, the sized/aligned global entry points, copy_onto and error names.
#include <string.h>

#include "arenas/common.hpp"
#include "live.hpp"

using namespace pm::arena_detail;

namespace pm::arena_detail {
void *default_upstream_alloc(void *, size_t size, size_t align) { return heap_alloc(size, align); }
void default_upstream_dealloc(void *, void *ptr, size_t, size_t) { pm_free(ptr); }
}  // namespace pm::arena_detail

extern "C" {

PM_API const char *pm_arena_strerror(int code) {
  switch (code) {
    case PM_ARENA_OK: return "success";
    case PM_ARENA_EINVAL: return "invalid argument";
    case PM_ARENA_ENOMEM: return "arena exhausted";
    case PM_ARENA_ENOTOWNED: return "pointer not owned by the arena";
    case PM_ARENA_EDOUBLEFREE: return "block already free";
    case PM_ARENA_ENOTTOP: return "block is not the most recent one";
    case PM_ARENA_EEMPTY: return "stack arena is empty";
    case PM_ARENA_ERANGE: return "range outside the block";
    case PM_ARENA_EBADMARK: return "mark is above the current position";
    case PM_ARENA_ECORRUPT: return "buffer holds no valid arena";
    case PM_ARENA_EALIGN: return "buffer not 8-byte aligned";
    case PM_ARENA_ETOOSMALL: return "buffer too small for the arena";
    default: return "unknown arena error";
  }
}

PM_API int pm_layout_from_size_align(size_t size, size_t align, pm_layout_t *out) {
  size_t padded;
  if (out == nullptr || !is_pow2(align) || !align_up(size, align, &padded) ||
      padded > PM_MAX_ALLOC_SIZE)
    return PM_ARENA_EINVAL;
  *out = pm_layout_t{size, align};
  return PM_ARENA_OK;
}

PM_API int pm_layout_array(size_t elem_size, size_t elem_align, size_t n, pm_layout_t *out) {
  size_t stride;
  if (out == nullptr || !is_pow2(elem_align) || !align_up(elem_size, elem_align, &stride))
    return PM_ARENA_EINVAL;
  size_t total;
  if (__builtin_mul_overflow(stride, n, &total)) return PM_ARENA_EINVAL;
  return pm_layout_from_size_align(total, elem_align, out);
}

PM_API int pm_layout_extend(pm_layout_t base, pm_layout_t next, pm_layout_t *out,
                            size_t *offset) {
  size_t off, end;
  if (out == nullptr || !is_pow2(base.align) || !is_pow2(next.align) ||
      !align_up(base.size, next.align, &off) || __builtin_add_overflow(off, next.size, &end))
    return PM_ARENA_EINVAL;
  size_t align = base.align > next.align ? base.align : next.align;
  if (pm_layout_from_size_align(end, align, out) != PM_ARENA_OK) return PM_ARENA_EINVAL;
  if (offset != nullptr) *offset = off;
  return PM_ARENA_OK;
}

PM_API int pm_layout_pad_to_align(pm_layout_t layout, pm_layout_t *out) {
  size_t padded;
  if (out == nullptr || !is_pow2(layout.align) || !align_up(layout.size, layout.align, &padded))
    return PM_ARENA_EINVAL;
  return pm_layout_from_size_align(padded, layout.align, out);
}

PM_API pm_allocation_t pm_global_alloc(pm_layout_t layout) {
  if (!layout_ok(layout)) return {nullptr, 0};
  void *p = heap_alloc(layout.size, layout.align);
  return {p, p != nullptr ? pm_usable_size(p) : 0};
}

PM_API pm_allocation_t pm_global_alloc_zeroed(pm_layout_t layout) {
  if (!layout_ok(layout)) return {nullptr, 0};
  if (layout.align <= kHeapAlign) {  // calloc knows when fresh pages are already zero
    size_t n = layout.size == 0 ? 1 : layout.size;
    void *p = pm_calloc(1, n);
    if (p == nullptr) return {nullptr, 0};
    // calloc zeroes the request; the caller may use the whole usable size.
    size_t usable = pm_usable_size(p);
    if (usable > n) memset(static_cast<char *>(p) + n, 0, usable - n);
    return {p, usable};
  }
  pm_allocation_t a = pm_global_alloc(layout);
  if (a.ptr != nullptr) memset(a.ptr, 0, a.size);
  return a;
}

PM_API void pm_global_dealloc(void *ptr, pm_layout_t) { pm_free(ptr); }

PM_API pm_allocation_t pm_global_realloc(void *ptr, pm_layout_t old_layout,
                                         pm_layout_t new_layout) {
  if (ptr == nullptr) return pm_global_alloc(new_layout);
  if (!layout_ok(new_layout)) return {nullptr, 0};
  size_t have = pm_usable_size(ptr);
  bool aligned = (reinterpret_cast<uintptr_t>(ptr) & (new_layout.align - 1)) == 0;
  if (new_layout.align <= kHeapAlign) {
    // pm_realloc(p, 0) would free: keep a block, as the layout API promises one.
    void *q = pm_realloc(ptr, new_layout.size == 0 ? 1 : new_layout.size);
    return {q, q != nullptr ? pm_usable_size(q) : 0};
  }
  if (aligned && new_layout.size <= have) return {ptr, have};
  pm_allocation_t fresh = pm_global_alloc(new_layout);
  if (fresh.ptr == nullptr) return fresh;  // the old block stays
  size_t keep = old_layout.size < new_layout.size ? old_layout.size : new_layout.size;
  if (keep > have) keep = have;
  memcpy(fresh.ptr, ptr, keep);
  pm_free(ptr);
  return fresh;
}

PM_API int pm_copy_onto(const void *src, size_t src_start, void *dst, size_t dst_start,
                        size_t len) {
  if (!pm::block_live(src) || !pm::block_live(dst)) return PM_ARENA_ENOTOWNED;
  return checked_copy(src, src_start, pm_usable_size(src), dst, dst_start, pm_usable_size(dst),
                      len);
}

}  // extern "C"
