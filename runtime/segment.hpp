// Segments: 4 MiB naturally aligned regions. Pool segments carry out-of-band page
// metadata in their header; the segment map tells, per 4 MiB of address space, whether
// poolmalloc owns it and how to find the page of a pointer.
#pragma once
#include <atomic>

#include "config.hpp"
#include "segmap.hpp"

namespace pm {

struct Heap;

// A free block: the link of the list it is on, and a key that marks it as freed (a second
// free of the same block finds its key set and is checked against the free lists).
struct Block {
  Block* next;
  uintptr_t key;
};

enum class PageState : uint8_t { kFree, kQueued, kFull };

// One page serves one size class. Field order: the first 48 bytes are all the fast paths
// touch. Allocation pops `free`; frees by the owner go to `local_free`. `used` counts the
// blocks handed out (those in a remote queue included), plus one while the page is the
// current page of its class (the first in its queue), so the current page never drops to
// 0 and a malloc/free loop stays on the fast paths; any other page reaches 0 exactly when
// every block is back and is retired. While a page is full and out of its queue, `used` is
// parked at 1 (the real count is in full_used) so the first free lands in the slow path,
// which puts the page back into its queue.
struct alignas(128) Page {
  Block* free;
  Block* local_free;
  Heap* heap;
  uintptr_t area;        // address of the first block
  uint64_t div_magic;    // ceil(2^64 / block_size): (offset * magic) < magic iff a multiple
  uint32_t used;
  uint32_t block_size;   // 0 while the page is free
  uint32_t capacity;     // blocks carved into lists so far (carving is lazy)
  uint32_t reserved;     // blocks that fit in the page
  uint32_t full_used;
  uint8_t class_idx;
  PageState state;
  uint8_t slot;          // index in the segment's pages[]
  bool dirty : 1;        // free page whose memory is still resident
  bool current : 1;      // first in its queue: `used` carries the +1
  bool guarded : 1;      // hardened variant: the slot's last OS page is PROT_NONE
  Page* next;            // class queue, or the heap's list of dirty free pages
  Page* prev;
  uint64_t freed_at;     // when it became free or empty (ms)
};
static_assert(sizeof(Page) == 128);

enum class SegmentKind : uint8_t { kSmall, kMedium, kLarge };

// The page array comes first, so a page's address is the segment base OR its slot * 128.
struct Segment {
  Page pages[kSlicesPerSegment];
  SegmentKind kind;
  uint16_t page_count;      // pages in use
  uint64_t free_slots;      // bit per page slot that is free
  Segment* next;            // heap's segments with free slots / the segment cache
  Segment* prev;
  Segment* all_next;        // registry of every live segment (statistics, heap walk)
  Segment* all_prev;
  bool in_avail;
  uint8_t registry_epoch;   // the registry it was added to (see segment_locks_reset)
};
static_assert(sizeof(Segment) <= kSliceSize);

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
