// The allocator's entry points as the API and the interpose layer see them: the small
// fast paths inline, everything else out of line (alloc.cpp). This is the entry layer:
// the one place that handles out of memory (drop every lock, give back what is cached,
// retry once, then ENOMEM), so nothing below it ever reclaims while holding a lock. In the hardened
// variant (policy.hpp) allocation and free go through hardened.cpp instead.
#pragma once
#include "hardened.hpp"
#include "heap.hpp"
#include "prof.hpp"

namespace pm {

void* alloc_big(size_t size) noexcept;                      // only sizes above kDirectMax
void* alloc_zeroed(size_t count, size_t size) noexcept;     // calloc
void* alloc_aligned(size_t align, size_t size) noexcept;    // align: a power of two
void* realloc_block(void* p, size_t size) noexcept;
size_t usable_size(const void* p) noexcept;                 // 0 for pointers poolmalloc does not own
bool owns(const void* p) noexcept;
// Frees p after checking that `size` (and `align`) fit the block.
void free_checked(void* p, size_t size, size_t align, const char* where) noexcept;
// The same for blocks that are not pool blocks (large, huge, foreign).
void free_checked_big(void* p, size_t size, const char* where) noexcept;
// A sized delete whose size is not the block's size class: reports what is wrong with p.
void dealloc_size_mismatch(void* p, size_t size, const char* where) noexcept;
int trim() noexcept;
// Heap profiler: the allocation of a block it samples, without counting it again.
void* alloc_for_sample(size_t size, size_t align, bool* zeroed) noexcept;

// The small slow path seen from the entry layer: out of memory, it gives caches back and
// retries once.
void* alloc_small_slow(Heap* heap, size_t size) noexcept;

// g_direct_limit is kDirectMax unless the heap profiler is on (prof.hpp): the same single
// compare as with the constant, and with prof=0 the only instructions before the fast path.
// With prof=1 it is 0, so small sizes fall through to a second copy of the fast path behind
// the per-thread countdown: only the allocation that crosses it leaves the inline path.
PM_INLINE void* alloc(size_t size) {
  if constexpr (policy::kBlockRecords) return hardened_alloc(size, rec::kMalloc);
  if (PM_LIKELY(size <= PM_PROF_READ(g_direct_limit))) return heap_malloc_small<alloc_small_slow>(size);
  if (size <= kDirectMax) {  // the heap profiler is on
    if (PM_UNLIKELY(prof::tick(size))) return prof::sampled_alloc(size, 0, false);
    return heap_malloc_small<alloc_small_slow>(size);
  }
  return alloc_big(size);
}

PM_INLINE void dealloc(void* p) {
  if constexpr (policy::kBlockRecords) return hardened_free(p, rec::kUnsized, rec::kMalloc, "free");
  heap_free(p);
}

// operator new / new[]: the hardened variant records which one allocated the block.
PM_INLINE void* alloc_new(size_t size, bool array) {
  if constexpr (policy::kBlockRecords) return hardened_alloc(size, array ? rec::kNewArray : rec::kNew);
  return alloc(size);
}

// operator delete / delete[] without a size.
PM_INLINE void dealloc_delete(void* p, bool array, const char* where) {
  if constexpr (policy::kBlockRecords) {
    return hardened_free(p, rec::kUnsized, array ? rec::kNewArray : rec::kNew, where);
  }
  heap_free(p);
}

// Sized operator delete / delete[]: new(size) took a block of exactly size_class(size), so
// a pool block of any other class was allocated for another size (a delete through the
// wrong type, or delete of new[]). The hardened variant compares the exact size.
PM_INLINE void dealloc_delete_sized(void* p, size_t size, bool array, const char* where) {
  if constexpr (policy::kBlockRecords) {
    return hardened_free(p, size, array ? rec::kNewArray : rec::kNew, where);
  }
  uint8_t mv = segmap_get(p);
  if (PM_LIKELY(mv >= kMapPoolMin)) {
    const Page* page = page_of(p, mv);
    if (PM_UNLIKELY(size > kPoolMax || size_class(size) != page->class_idx))
      return dealloc_size_mismatch(p, size, where);
    return heap_free(p);
  }
  free_checked_big(p, size, where);  // null, large, huge or foreign
}

}  // namespace pm
