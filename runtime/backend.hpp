// The backend: the one owner of address space. Every mapping the front ends use (pool
// segments, large-arena segments, huge blocks) is a span of whole 4 MiB segments taken
// from here and given back here. Freed spans are coalesced with free neighbours and kept
// for reuse (a page heap over segments), purged after the decay or as soon as the
// resident free memory of the whole allocator exceeds the dirty budget, and unmapped
// when the entry layer needs the address space back.
//
// Nothing here reclaims on failure: a refused mapping is nullptr with ENOMEM, and the entry
// layer (alloc.cpp) decides whether to give caches back and retry. Layer: below the front
// ends, above os.
#pragma once
#include "config.hpp"

namespace pm::backend {

// A span of `segments` 4 MiB segments aligned to align_segments * 4 MiB (a power of two),
// or nullptr (errno ENOMEM) when the OS or reserve_limit refuses. *zeroed tells whether
// the memory reads as zero. may_wait false (signal handler inside the allocator): the
// free-span lock is only tried; a fresh mapping is used when it is busy.
void* alloc(size_t segments, size_t align_segments, bool* zeroed, bool may_wait);
// Give a span (or the tail of one) back; `resident` bytes of it may be resident (the
// caller's estimate; all of it by default) and count as dirty until purged.
void release(void* p, size_t segments, size_t resident = SIZE_MAX);
// Extend a span in place by taking the free span right after it: true on success.
bool grow_in_place(void* p, size_t old_segments, size_t new_segments);
// Move a span to a larger one with mremap (the pages move, nothing is copied): the new
// address, or nullptr (errno ENOMEM) with the old span untouched.
void* remap(void* p, size_t old_segments, size_t new_segments);

// Decay: purge free spans freed longer than decay_ms ago, unmap those long unused
// (force: purge everything at once). Cheap when nothing is due.
void decay(uint64_t now, bool force);
// Unmap every free span (the out-of-memory path and malloc_trim): bytes given back.
size_t release_all();

// The dirty budget: resident free bytes of every front end together (heap free pages,
// large free spans, free segments). Front ends report what they keep resident and free,
// and what they hand out (pages serving a class, large spans, huge blocks: in_use), and
// purge their own oldest memory while over_budget() says so. The budget is the memory in
// use, and at least 16 MiB.
void dirty_add(size_t bytes);
void dirty_sub(size_t bytes);
void in_use_add(size_t bytes);
void in_use_sub(size_t bytes);
bool over_budget();
bool far_over_budget();  // twice over: purge even memory that is likely reused soon
// Feedback for the budget: a front end purged memory because over_budget() said so, or
// hands out `bytes` that are not resident (they will fault in). Faults soon after a budget
// purge mean the budget purged memory the program was about to reuse: the budget grows
// (up to 4x), and shrinks back after quiet decay periods (see decay()).
void budget_purged();
void fresh_faults(size_t bytes);
size_t dirty_bytes();

struct Stats {
  size_t free_bytes;   // address space in free spans
  size_t dirty_bytes;  // ... of which possibly resident
  size_t spans;
};
Stats stats();

void lock_acquire();  // fork support
void lock_release();
// suspect: the fork was not prepared, so a held lock means a half-done update; the free
// spans are then abandoned and the child's backend maps and unmaps directly.
void lock_reset(bool suspect);

}  // namespace pm::backend
