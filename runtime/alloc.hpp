// The allocator's entry points as the API and the interpose layer see them: the small
// fast paths inline, everything else out of line (alloc.cpp). This is the entry layer:
// the one place that handles out of memory (drop every lock, give back what is cached,
// retry once, then ENOMEM), so nothing below it ever reclaims while holding a lock.
#pragma once
#include "heap.hpp"
#include "prof.hpp"

namespace pm {

void* alloc_big(size_t size) noexcept;                      // anything above kDirectMax
void* alloc_zeroed(size_t count, size_t size) noexcept;     // calloc
void* alloc_aligned(size_t align, size_t size) noexcept;    // align: a power of two
void* realloc_block(void* p, size_t size) noexcept;
size_t usable_size(const void* p) noexcept;                 // 0 for pointers poolmalloc does not own
bool owns(const void* p) noexcept;
// Frees p after checking that `size` (and `align`) fit the block.
void free_checked(void* p, size_t size, size_t align, const char* where) noexcept;
int trim() noexcept;
// Heap profiler: the allocation of a block it samples, without counting it again.
void* alloc_for_sample(size_t size, size_t align, bool* zeroed) noexcept;

// The small slow path seen from the entry layer: out of memory, it gives caches back and
// retries once.
void* alloc_small_slow(Heap* heap, size_t size) noexcept;

// g_direct_limit is kDirectMax unless the heap profiler is on (prof.hpp): the same single
// compare as with the constant.
PM_INLINE void* alloc(size_t size) {
  if (PM_LIKELY(size <= PM_PROF_READ(g_direct_limit))) return heap_malloc_small<alloc_small_slow>(size);
  return alloc_big(size);
}

PM_INLINE void dealloc(void* p) { heap_free(p); }

}  // namespace pm
