// Huge blocks: spans of whole 4 MiB segments from the backend, so one segment-map entry
// names each. Their metadata lives in a hash table keyed by address; freed spans go back
// to the backend, which keeps them for reuse (a malloc/free loop of big blocks pays no
// mmap and no page faults) until the decay or the dirty budget gives them back.
#pragma once
#include "config.hpp"

namespace pm {

// may_wait false: as for large.hpp (ENOMEM, deferred free; usable size 0 while the table
// is locked by the interrupted code).
void* huge_malloc(size_t size, size_t align, bool* zeroed, bool may_wait);
void huge_free(void* p, const char* where, bool may_wait);
size_t huge_usable_size(const void* p, bool may_wait = true);
// mremap: grow or shrink, moving the pages (never copying) when needed. nullptr on failure.
void* huge_realloc(void* p, size_t new_size, bool may_wait);

struct HugeStats {
  size_t blocks;
  size_t bytes;         // live mappings
  size_t cached_bytes;  // freed address space kept resident for reuse (the backend's)
};
HugeStats huge_stats();

// Walk support: live huge blocks from table slot *cursor on, at most max of them, copied out
// under the lock. Advances *cursor; returns 0 when none are left.
size_t huge_live_blocks(size_t* cursor, void** ptrs, size_t* sizes, size_t max);

void huge_locks_acquire();
void huge_locks_release();
void huge_locks_reset(bool suspect);  // suspect: see backend::lock_reset

}  // namespace pm
