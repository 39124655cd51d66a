// Is a pointer a live block of the global heap? pm_owns also says yes for a small block
// that was freed and sits in its page's cache; copy_onto must refuse those (a disposed
// block has no data). This reads the core's freed-block marker: a freed small block
// carries its page's owner heap in its second word (malloc clears it). A block with the
// marker on a page of this thread is confirmed against the page's lists, since live data
// may hold the same value by chance; on another thread's page the marker decides (its
// lists belong to that thread).
#include "arenas/heap_probe.hpp"

#include "heap.hpp"
#include "poolmalloc.h"

namespace pm::arena_detail {

namespace {

bool on_list(const Block *list, const Block *b, size_t limit) {
  for (size_t i = 0; list != nullptr && i < limit; ++i, list = list->next)
    if (list == b) return true;
  return false;
}

bool on_remote(uintptr_t list, const Block *b, size_t limit) {
  for (size_t i = 0; list != 0 && i < limit; ++i) {
    const Block *x = reinterpret_cast<const Block *>(list & ~uintptr_t{1});
    if (x == b) return true;
    list = reinterpret_cast<uintptr_t>(x->next);
  }
  return false;
}

}  // namespace

bool heap_block_live(const void *p) {
  if (p == nullptr) return false;
  uint8_t mv = segmap_get(p);
  if (mv < kMapPoolMin) return pm_owns(p) != 0;  // large and huge blocks: exact already
  const Page *page = page_of(p, mv);
  if (!page_block_valid(page, p)) return false;
  const Block *b = static_cast<const Block *>(p);
  Heap *owner = page->heap;
  if (b->key != reinterpret_cast<uintptr_t>(owner)) return true;
  if (owner == nullptr || owner != tl_heap) return false;
  size_t limit = size_t(page->reserved) + 1;
  return !on_list(page->free, b, limit) && !on_list(page->local_free, b, limit) &&
         !on_remote(owner->remote.load(std::memory_order_acquire), b, SIZE_MAX >> 1);
}

}  // namespace pm::arena_detail
