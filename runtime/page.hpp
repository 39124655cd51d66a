// Pages inside a heap: initialisation, lazy carving, class queues, retirement, decay.
#pragma once
#include "heap.hpp"

namespace pm {

// A page of class `cls` from one of the heap's segments (a new segment when needed).
Page* page_fresh(Heap* heap, unsigned cls);
// Carve the next run of blocks of a page into its `free` list.
void page_extend(Page* page);
// Every block of a page that is not current is back: out of its queue, back to its segment.
void page_retire(Heap* heap, Page* page, uint64_t now);
// A queued page that is not current just emptied: true when it stays queued as its class's
// spare (types.hpp, Page), false when the caller retires it.
bool page_keep_spare(Heap* heap, Page* page);
// The current page of a heap serviced for an exited thread just emptied: retire it now
// (nobody allocates from that heap until a thread adopts it; until then the page would
// hold its memory outside every budget).
void page_release_emptied(Heap* heap, Page* page);
// Current and spare pages with no block in use: retire them once they have been empty for
// the decay (at once when force; purge_now also gives their memory back at once instead of
// after the decay). Also how thread exit releases the pages it can.
void heap_release_current(Heap* heap, uint64_t now, bool force, bool purge_now);
// Give the page back to its segment (the segment goes to the cache once all are free;
// then the result is true and the page must not be touched again).
bool page_free(Heap* heap, Page* page, uint64_t freed_at);

// The direct-table slots of class cls point at its current page again, if the slot of
// size (a size of cls, at most kDirectMax) did not (a drain request sent it to g_empty_page).
void page_restore_direct(Heap* heap, unsigned cls, size_t size);
void queue_push_front(Heap* heap, unsigned cls, Page* page);
void queue_push_back(Heap* heap, unsigned cls, Page* page);
void queue_remove(Heap* heap, unsigned cls, Page* page);

// Halve the heap's extra dirty allowance when a decay period passed without earning it.
void heap_decay_boost(Heap* heap, uint64_t now);
// Purge free pages older than the decay (all when force) and drop expired spare pages.
void heap_purge(Heap* heap, uint64_t now, bool force);

// The heap's purge policy for the scope (what its page frees do with the dirty budget).
struct PurgeScope {
  Heap* heap;
  PurgePolicy saved;
  PurgeScope(Heap* h, PurgePolicy p) : heap(h), saved(h->purge) { h->purge = p; }
  ~PurgeScope() { heap->purge = saved; }
  PurgeScope(const PurgeScope&) = delete;
  PurgeScope& operator=(const PurgeScope&) = delete;
};

PM_INLINE size_t page_area_size(const Page* page) {
  return size_t(page->reserved) * page->block_size;
}

}  // namespace pm
