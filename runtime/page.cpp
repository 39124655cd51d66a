#include "page.hpp"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.hpp"
#include "debug.hpp"
#include "options.hpp"
#include "os.hpp"

namespace pm {

namespace {
constexpr size_t kExtendBytes = 8 * 1024;  // carve this much at a time: RSS follows use

// Direct-table slots served by each class (classes with blocks of at most kDirectMax).
struct SlotRange {
  uint8_t lo, hi;
};
constexpr auto kSlotRange = [] {
  std::array<SlotRange, kClassCount> r{};
  for (auto& x : r) x = {1, 0};  // empty
  for (unsigned i = 0; i < kDirectSlots; ++i) {
    unsigned c = kDirectClass[i];
    if (r[c].lo > r[c].hi) r[c].lo = uint8_t(i);
    r[c].hi = uint8_t(i);
  }
  return r;
}();

void set_direct(Heap* heap, unsigned cls) {
  Page* p = heap->queues[cls].first;
  if (!p) p = &g_empty_page;
  for (unsigned i = kSlotRange[cls].lo; i <= kSlotRange[cls].hi; ++i)
    __atomic_store_n(&heap->direct[i], p, __ATOMIC_RELAXED);  // heap_request_drain stores too
}

uintptr_t slot_start(Segment* seg, unsigned slot) {
  uintptr_t base = reinterpret_cast<uintptr_t>(seg) + (uintptr_t(slot) << kSliceShift);
  return slot == 0 ? base + kSliceSize : base;  // slice 0 holds the header
}

size_t slot_bytes(const Segment* seg, unsigned slot) {
  size_t n = seg->kind == SegmentKind::kSmall ? kSliceSize : kSliceSize * kMediumSlices;
  return slot == 0 ? n - kSliceSize : n;
}

void dirty_unlink(Heap* heap, Page* page) {
  heap->dirty.remove(page);
  page->dirty = false;
  size_t bytes = slot_bytes(segment_of(page), page->slot);
  PM_ASSERT(heap->dirty_bytes >= bytes);
  heap->dirty_bytes -= bytes;
  backend::dirty_sub(bytes);
}

void dirty_append(Heap* heap, Page* page) {
  page->dirty = true;
  heap->dirty.push_back(page);
  size_t bytes = slot_bytes(segment_of(page), page->slot);
  heap->dirty_bytes += bytes;
  backend::dirty_add(bytes);
}

// A heap keeps some of its free pages resident, so a thread that frees and allocates again
// reuses them without faults: an eighth of the pages it uses, or its share of kPoolDirty
// (between kHeapDirtyFloor and kHeapDirtyMax) when that is more. Beyond that, or while
// the whole allocator is over its budget, free pages go back at once. The share shrinks
// as heaps multiply, so many threads do not each keep a single thread's allowance.
constexpr size_t kPoolDirty = size_t{8} << 20;
constexpr size_t kHeapDirtyFloor = size_t{256} << 10;
constexpr size_t kHeapDirtyMax = size_t{2} << 20;
constexpr size_t kHeapDirtyShare = 8;
// *global: the allocator as a whole is over its budget (not only the heap over its share).
// extra: bytes the caller is about to keep besides (a page it would make the spare).
bool heap_over_budget(const Heap* heap, bool* global, size_t extra = 0) {
  if (heap->purge == PurgePolicy::kKeep || !options().purge) return false;
  if (heap->purge == PurgePolicy::kFarOverOnly && backend::far_over_budget()) return *global = true;
  size_t kept = heap->dirty_bytes + heap->spare_bytes + extra;  // free memory held for reuse
  if (kept <= kHeapDirtyFloor) return false;
  if (heap->purge == PurgePolicy::kBudget && backend::over_budget()) return *global = true;
  uint32_t heaps = g_heap_count.load(std::memory_order_relaxed);
  size_t share = kPoolDirty / (heaps ? heaps : 1);
  if (share > kHeapDirtyMax) share = kHeapDirtyMax;
  size_t allowance = heap->page_bytes / kHeapDirtyShare;
  return kept > (allowance > share ? allowance : share) + heap->dirty_boost;
}

// A heap that purged a page for the budget and soon after faults a fresh one in was
// purging memory it still needed (mstress: threads that churn medium blocks purged and
// re-faulted 1.4 GB). Each such fault of a medium page doubles its extra allowance, up
// to kHeapBoostMax; heap_decay_boost halves it once a decay period passes without one.
// Idle heaps never earn it, so many idle threads still keep only their shares; small
// pages do not earn it either (larson at 16 threads: 10 MiB more peak RSS, no fewer faults).
constexpr size_t kHeapBoostMax = size_t{32} << 20;
void note_fresh_fault(Heap* heap, size_t bytes) {
  if (heap->budget_purge_ms == 0) return;
  uint64_t now = os::now_ms();
  if (now > heap->budget_purge_ms + options().decay_ms) return;
  heap->regret_ms = now;
  size_t boost = heap->dirty_boost * 2 + bytes;
  heap->dirty_boost = boost < kHeapBoostMax ? boost : kHeapBoostMax;
}

// A free page's memory goes back to the OS; it is no longer on the dirty list.
void purge_page(Heap* heap, Page* page) {
  if (!page->dirty) return;  // purged already (the dirty budget got there first)
  Segment* seg = segment_of(page);
  os::purge(reinterpret_cast<void*>(slot_start(seg, page->slot)), slot_bytes(seg, page->slot));
  if constexpr (policy::kZeroOnFree) page->content = kContentZero;
  dirty_unlink(heap, page);
}

SegmentList& avail_of(Heap* heap, const Segment* seg) {
  return heap->avail[seg->kind == SegmentKind::kSmall ? 0 : 1];
}

void avail_add(Heap* heap, Segment* seg) {
  avail_of(heap, seg).push_front(seg);
  seg->in_avail = true;
}

void avail_remove(Heap* heap, Segment* seg) {
  avail_of(heap, seg).remove(seg);
  seg->in_avail = false;
}
}  // namespace

namespace {
void spare_drop(Heap* heap, Page* page) {
  page->spare = false;
  heap->spare_bytes -= slot_bytes(segment_of(page), page->slot);
}

// The first page of a queue is the current page and carries a +1 in `used`.
void make_current(Heap* heap, unsigned cls, Page* page) {
  PM_ASSERT(!page->current && page->heap == heap && page->class_idx == cls);
  if (page->spare) spare_drop(heap, page);  // the current page now: no longer held aside
  page->current = true;
  page->used++;
  heap->active[cls >> 6] |= uint64_t{1} << (cls & 63);
}

// Drops the +1 of a page that stops being current; true when that leaves it empty.
bool drop_current(Page* page) {
  PM_ASSERT(page->current && page->used >= 1);  // the +1 of the current page
  page->current = false;
  page->freed_at = 0;
  return --page->used == 0;
}

void after_first_changed(Heap* heap, unsigned cls) {
  PageQueue& q = heap->queues[cls];
  if (q.first) make_current(heap, cls, q.first);
  else heap->active[cls >> 6] &= ~(uint64_t{1} << (cls & 63));
  set_direct(heap, cls);
}
}  // namespace

void page_restore_direct(Heap* heap, unsigned cls, size_t size) {
  Page* p = heap->queues[cls].first;
  // The slot that sent this malloc here: a drain request racing with set_direct may have
  // left the class's other slots right and this one not.
  if (__atomic_load_n(&heap->direct[(size + 15) >> 4], __ATOMIC_RELAXED) != (p ? p : &g_empty_page))
    set_direct(heap, cls);
}

void queue_push_front(Heap* heap, unsigned cls, Page* page) {
  Page* old = heap->queues[cls].first;
  heap->queues[cls].push_front(page);
  after_first_changed(heap, cls);
  if (old && drop_current(old)) page_retire(heap, old, os::now_ms());
}

void queue_push_back(Heap* heap, unsigned cls, Page* page) {
  PageQueue& q = heap->queues[cls];
  q.push_back(page);
  if (q.first == page) after_first_changed(heap, cls);
}

void queue_remove(Heap* heap, unsigned cls, Page* page) {
  heap->queues[cls].remove(page);
  if (page->current) {
    drop_current(page);  // the caller decides what an empty page becomes
    after_first_changed(heap, cls);
  }
}

namespace {
// Hardened, zero_on_free: the run [start, start + len) about to be carved must be zero but
// for the link and key words carving writes. Memory fresh from the OS or purged is zero;
// a slot whose last class had the same block size has its nonzero words exactly where the
// new blocks keep theirs (the old freed record is overwritten at malloc); for another
// larger size only the old blocks' three words are cleared; anything else is zeroed.
void clear_for_carving(const Page* page, uintptr_t start, size_t len) {
  uintptr_t end = start + len;
  size_t ob = page->old_block_size;
  if (page->content == kContentZero) return;
  if (page->content == kContentSparse && ob == page->block_size) return;
  if (page->content != kContentSparse || ob < 64) {
    memset(reinterpret_cast<void*>(start), 0, len);
    return;
  }
  uintptr_t b = page->area + (start - page->area) / ob * ob;  // the old block holding start
  auto clear = [start, end](uintptr_t w) {
    if (w >= start && w < end) *reinterpret_cast<uint64_t*>(w) = 0;
  };
  for (; b < end; b += ob) {
    clear(b);
    clear(b + 8);
    clear(b + ob - 8);
  }
}
}  // namespace

void page_extend(Page* page) {
  uint32_t n = page->reserved - page->capacity;
  uint32_t step = uint32_t(kExtendBytes / page->block_size);
  if (step < 1) step = 1;
  // Runs stay kExtendBytes long: doubling them saved 4 instructions per pair in batches of
  // 1 KiB blocks but cost 10-13 MiB of peak RSS with 16 threads (larson), whose pages are
  // carved deep and then only partly reused.
  if (n > step) n = step;
  uintptr_t bs = page->block_size;
  uintptr_t start = page->area + uintptr_t(page->capacity) * bs;
  // Hardened: free zeroes only what a block's owner wrote, so a page reused for another
  // class may still hold the old blocks' links and records; its new blocks start zero.
  // (With zero_on_free=0 malloc zeroes every block it hands out: nothing to do here.)
  if constexpr (policy::kZeroOnFree) {
    if (g_zero_on_free) clear_for_carving(page, start, size_t(n) * bs);
  }
  // Free blocks carry their heap's key (heap.hpp): carved ones too, so that reuse can check it.
  uintptr_t key = reinterpret_cast<uintptr_t>(page->heap);
  if constexpr (policy::kRandomCarve) {
    if (n > 1) {  // link the new blocks in a random order (Fisher-Yates)
      uint16_t order[kExtendBytes / 16];
      for (uint32_t i = 0; i < n; ++i) order[i] = uint16_t(i);
      for (uint32_t i = n - 1; i > 0; --i) {
        uint32_t j = uint32_t(rng_next(&page->heap->hardened.rng) % (i + 1));
        uint16_t t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      Block* head = page->free;
      for (uint32_t i = 0; i < n; ++i) {
        Block* nb = reinterpret_cast<Block*>(start + order[i] * bs);
        link_set(nb, head);
        nb->key = key;
        head = nb;
      }
      page->free = head;
      page->capacity += n;
      return;
    }
  }
  // Address order, one pointer walking the run: each block links to the next.
  uintptr_t last = start + uintptr_t(n - 1) * bs;
  for (uintptr_t a = start; a < last; a += bs) {
    Block* b = reinterpret_cast<Block*>(a);
    link_set(b, reinterpret_cast<Block*>(a + bs));
    b->key = key;
  }
  Block* tail = reinterpret_cast<Block*>(last);
  link_set(tail, page->free);
  tail->key = key;
  page->free = reinterpret_cast<Block*>(start);
  __atomic_store_n(&page->capacity, page->capacity + n, __ATOMIC_RELAXED);  // see page_block_valid
}

Page* page_fresh(Heap* heap, unsigned cls) {
  unsigned kind = cls < kSmallClassCount ? 0 : 1;
  Segment* seg = heap->avail[kind].first;
  if (!seg) {
    heaps_reclaim_orphans(false);  // exited threads may have left empty segments behind
    seg = segment_alloc_pool(kind == 0 ? SegmentKind::kSmall : SegmentKind::kMedium);
    if (!seg) return nullptr;
    heap->segment_count++;
    avail_add(heap, seg);
  }
  unsigned slot = unsigned(__builtin_ctzll(seg->free_slots));
  seg->free_slots &= seg->free_slots - 1;
  if (seg->free_slots == 0) avail_remove(heap, seg);
  seg->page_count++;
  Page* page = &seg->pages[slot];
  PM_ASSERT(page->block_size == 0 && page->used == 0);
  if (page->dirty) {
    dirty_unlink(heap, page);
  } else {
    if (kind == 1) note_fresh_fault(heap, slot_bytes(seg, slot));
    backend::fresh_faults(slot_bytes(seg, slot));
  }
  uint32_t bs = kBlockSize[cls];
  page->free = nullptr;
  page->local_free = nullptr;
  page->heap = heap;
  page->area = slot_start(seg, slot);
  page->div_magic = ~uint64_t{0} / bs + 1;
  page->used = 0;
  page->block_size = bs;
  page->capacity = 0;
  size_t bytes = slot_bytes(seg, slot);
  if constexpr (policy::kSlabGuards) {
    // The page's last OS page is PROT_NONE: an overflow off the end of the slab faults.
    bytes -= kOsPage;
    if (!page->guarded) {
      int saved = errno;
      page->guarded = mprotect(reinterpret_cast<void*>(page->area + bytes), kOsPage, PROT_NONE) == 0;
      errno = saved;
    }
  }
  page->reserved = uint32_t(bytes / bs);
  heap->page_bytes += slot_bytes(seg, slot);
  backend::in_use_add(slot_bytes(seg, slot));
  page->full_used = 0;
  page->current = false;
  page->class_idx = uint8_t(cls);
  page->state = PageState::kQueued;
  page->freed_at = 0;
  return page;
}

bool page_free(Heap* heap, Page* page, uint64_t freed_at) {
  PM_ASSERT(page->used == 0 && !page->current && page->heap == heap);
  PM_ASSERT(page->state != PageState::kFree && page->next == nullptr && page->prev == nullptr);
  Segment* seg = segment_of(page);
  heap->page_bytes -= slot_bytes(seg, page->slot);
  backend::in_use_sub(slot_bytes(seg, page->slot));
  if constexpr (policy::kZeroOnFree) {
    // Every block came back zeroed but for its links and freed record. Beyond the carved
    // blocks the slot holds what it held before: known only if that was zero, or the same
    // words of blocks of this size, or the page was carved to the end.
    // (Carved to the end, the tail after the last block is still as before: cleared here.)
    bool same = page->content == kContentSparse && page->old_block_size == page->block_size;
    bool known = page->content == kContentZero || same || page->capacity == page->reserved;
    if (g_zero_on_free && known && !same && page->content != kContentZero) {
      size_t usable = slot_bytes(seg, page->slot) - (policy::kSlabGuards ? kOsPage : 0);
      size_t carved = size_t(page->reserved) * page->block_size;
      memset(reinterpret_cast<void*>(page->area + carved), 0, usable - carved);
    }
    page->content = g_zero_on_free && known ? kContentSparse : kContentUnknown;
    page->old_block_size = page->block_size;
  }
  page->free = page->local_free = nullptr;
  page->heap = nullptr;
  page->div_magic = 0;
  page->block_size = 0;
  page->used = page->capacity = page->reserved = 0;
  page->state = PageState::kFree;
  page->freed_at = freed_at;
  seg->free_slots |= uint64_t{1} << page->slot;
  seg->page_count--;
  if (seg->page_count == 0) {
    // The whole segment is free: forget its pages' decay bookkeeping and hand it back,
    // telling the backend how much of it is still resident (the header and dirty pages).
    size_t resident = kSliceSize + slot_bytes(seg, page->slot);  // header and this page
    for (unsigned i = 0; i < kSlicesPerSegment; ++i) {
      if (!seg->pages[i].dirty) continue;
      resident += slot_bytes(seg, i);
      dirty_unlink(heap, &seg->pages[i]);
    }
    if constexpr (policy::kSlabGuards) {
      // The backend reuses the segment for anything (and may move its pages): no guards.
      int saved = errno;
      mprotect(seg, kSegmentSize, PROT_READ | PROT_WRITE);
      errno = saved;
    }
    if (seg->in_avail) avail_remove(heap, seg);
    heap->segment_count--;
    segment_release(seg, resident);
    return true;
  }
  dirty_append(heap, page);
  if (!seg->in_avail) avail_add(heap, seg);
  // Past the dirty budget, the heap's oldest free pages go back now, not after the decay.
  bool global = false;
  if (heap->dirty.first && heap_over_budget(heap, &global)) {
    do purge_page(heap, heap->dirty.first);
    while (heap->dirty.first && heap_over_budget(heap, &global));
    heap->budget_purge_ms = os::now_ms();
    if (global) backend::budget_purged();
  }
  return false;
}

void page_retire(Heap* heap, Page* page, uint64_t now) {
  queue_remove(heap, page->class_idx, page);
  page_free(heap, page, now);
}

bool page_keep_spare(Heap* heap, Page* page) {
  // A heap serviced for an exited thread runs no decay that would release it.
  if (heap->purge != PurgePolicy::kBudget) return false;
  const Page* first = heap->queues[page->class_idx].first;
  // One per class at most: the current page and one more are the whole queue. (The current
  // page may be empty too: a batch that frees all it took leaves both so.)
  if (first == page || first->next != page || page->next != nullptr) return false;
  // Idle threads run no decay either: what a spare holds comes out of the heap's share.
  size_t bytes = slot_bytes(segment_of(page), page->slot);
  bool global = false;
  if (heap_over_budget(heap, &global, bytes)) return false;
  heap->spare_bytes += bytes;
  page->spare = true;
  page->freed_at = 0;  // the decay's clock starts when heap_release_current first sees it
  return true;
}

namespace {
// An empty page of a queue (the current page, or the spare) once it has been empty for
// the decay, or at once when force.
void release_empty(Heap* heap, unsigned cls, Page* page, uint64_t now, bool force, bool purge_now) {
  uint64_t decay = options().decay_ms;
  if (page->freed_at == 0) page->freed_at = now;  // first seen empty: start the clock
  if (!force && now < page->freed_at + decay) return;
  uint64_t since = page->freed_at;
  if (page->spare) spare_drop(heap, page);
  queue_remove(heap, cls, page);  // the current page's +1 goes: used is 0
  bool segment_gone = page_free(heap, page, since);
  if (!segment_gone && (purge_now || now >= since + decay)) purge_page(heap, page);  // expired
}
}  // namespace

void page_release_emptied(Heap* heap, Page* page) {
  release_empty(heap, page->class_idx, page, os::now_ms(), true, false);
}

void heap_release_current(Heap* heap, uint64_t now, bool force, bool purge_now) {
  for (unsigned w = 0; w < 2; ++w) {
    uint64_t bits = heap->active[w];
    while (bits) {
      unsigned cls = w * 64 + unsigned(__builtin_ctzll(bits));
      bits &= bits - 1;
      Page* page = heap->queues[cls].first;
      Page* spare = page->next;  // a spare is always second
      if (spare && spare->spare) release_empty(heap, cls, spare, now, force, purge_now);
      if (page->used != 1) {  // blocks in use (1 is the current page's own count)
        page->freed_at = 0;
        continue;
      }
      release_empty(heap, cls, page, now, force, purge_now);
    }
  }
}

void heap_decay_boost(Heap* heap, uint64_t now) {
  if (heap->dirty_boost != 0 && now > heap->regret_ms + options().decay_ms) {
    heap->dirty_boost /= 2;
    heap->regret_ms = now;
  }
}

void heap_purge(Heap* heap, uint64_t now, bool force) {
  if (!force && !options().purge) return;
  heap_release_current(heap, now, force, force);
  uint64_t decay = options().decay_ms;
  while (Page* page = heap->dirty.first) {
    if (!force && now < page->freed_at + decay) break;
    purge_page(heap, page);
  }
}

}  // namespace pm
