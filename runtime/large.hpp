// The free-list arena for blocks above the pool range: spans of whole 4 KiB units inside
// 4 MiB segments, coalesced with their neighbours, found through segregated free lists
// indexed by a bitmap (O(1)). Arenas are sharded; each has its own lock.
#pragma once
#include "config.hpp"
#include "types.hpp"

namespace pm {

// may_wait false (a signal handler that interrupted the allocator, which may hold the
// lock): never block on an arena lock; allocation then fails with ENOMEM, a free is
// deferred to the next thread that takes the lock, an in-place resize declines.

// A block of at least `size` bytes aligned to `align` (<= kSegmentSize / 4), or nullptr.
// *zeroed tells whether the memory is known to be zero.
void* large_malloc(size_t size, size_t align, unsigned arena_hint, bool* zeroed, bool may_wait);
void large_free(void* p, const char* where, bool may_wait);
size_t large_usable_size(const void* p);
// Grow or shrink in place; false when the neighbour is not free (nothing changes then).
bool large_resize_in_place(void* p, size_t new_size, bool may_wait);
// Largest block the arena serves.
size_t large_max_size();
void large_purge(uint64_t now, bool force);

struct LargeStats {
  size_t allocated;   // bytes in live blocks
  size_t free_bytes;  // bytes in free spans (resident or not)
  size_t mapped;      // bytes of segments
  size_t blocks;
};
LargeStats large_stats();

// Walk support: the live spans of the large segment at `seg`, from unit *cursor on, at most
// max of them, copied out under the arena's lock (so the caller visits them unlocked).
// Advances *cursor; returns 0 when none are left (or seg is no longer a large segment).
size_t large_used_spans(const void* seg, unsigned* cursor, void** ptrs, size_t* sizes, size_t max);
// Statistics: bytes of free spans that are not resident (purged, or never touched).
size_t large_clean_free_bytes();
// Up to max large segments, skipping the first `skip` (arena by arena); the count.
size_t large_list_segments(const void** out, size_t max, size_t skip);

void large_locks_acquire();
void large_locks_release();
void large_locks_reset(bool suspect);  // suspect: see backend::lock_reset

}  // namespace pm
