// Segments: 4 MiB naturally aligned regions. Pool segments carry out-of-band page
// metadata in their header; the segment map tells, per 4 MiB of address space, whether
// poolmalloc owns it and how to find the page of a pointer.
#pragma once
#include <atomic>

#include "config.hpp"
#include "segmap.hpp"
#include "types.hpp"

namespace pm {

PM_INLINE Segment* segment_of(const void* p) {
  return reinterpret_cast<Segment*>(reinterpret_cast<uintptr_t>(p) & ~kSegmentMask);
}
PM_INLINE Page* page_of(const void* p, uint8_t map_value) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  uintptr_t slot = (a >> kSliceShift) & map_value;
  return reinterpret_cast<Page*>((a & ~kSegmentMask) | (slot * sizeof(Page)));
}
// True when p sits at a multiple of the block size from the area start (a free page has
// magic 0 and never passes). The multiply tests divisibility without a division.
PM_INLINE bool page_block_aligned(const Page* pg, const void* p) {
  uint64_t off = reinterpret_cast<uintptr_t>(p) - pg->area;
  return off * pg->div_magic < pg->div_magic;
}
// The full check for the slow paths: aligned, and inside the carved part of the page.
PM_INLINE bool page_block_valid(const Page* pg, const void* p) {
  uint64_t off = reinterpret_cast<uintptr_t>(p) - pg->area;
  // capacity grows under the owner while other threads (realloc, usable_size) ask here.
  uint32_t capacity = __atomic_load_n(&pg->capacity, __ATOMIC_RELAXED);
  return page_block_aligned(pg, p) && off < uint64_t(capacity) * pg->block_size;
}

// Pool segments (small or medium pages); each page records the heap that owns it.
Segment* segment_alloc_pool(SegmentKind kind);
// Every page of the segment is free: hand it to the cache (the OS gets it after decay).
void segment_release(Segment* seg, size_t resident);

// Registry of live pool segments, for statistics and the heap walk.
void segments_for_each(void (*fn)(Segment*, void*), void* arg);

// Fork support.
void segment_locks_acquire();
void segment_locks_release();
void segment_locks_reset(bool suspect);  // suspect: see backend::lock_reset

}  // namespace pm
