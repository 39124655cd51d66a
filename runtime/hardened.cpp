// The hardened variant's allocation and free: block records and canaries, zero on free,
// a bounded per-thread quarantine with random eviction and a check, at eviction, that a
// quarantined block was not written after its free. Compiled in both builds; only the
// hardened one calls it.
#include "hardened.hpp"

#include <errno.h>
#include <string.h>

#include "alloc.hpp"
#include "error.hpp"

namespace pm {

namespace {
bool sentinel(const Heap* h) { return h == &g_empty_heap || h == &g_reentry_heap || h == &g_exited_heap; }

Page* pool_page(const void* p) {
  uint8_t mv = segmap_get(p);
  return mv >= kMapPoolMin ? page_of(p, mv) : nullptr;
}

}  // namespace

void* hardened_finish(void* p, size_t size, rec::Tag tag) noexcept {
  Page* page = pool_page(p);
  if (!page) return p;  // large or huge: no record
  memset(p, 0, sizeof(Block));  // the link and key words (the rest was zeroed at free)
  clear_for_owner(p, page->block_size, size);
  rec::write_live(p, page->block_size, size, tag);
  return p;
}

void* hardened_alloc_any(size_t size, rec::Tag tag) noexcept {
  if (PM_UNLIKELY(size > kPoolMax - rec::kRecordBytes)) {
    // Too big for a pool block with its record: the large arena (never a pool class).
    return alloc_big(size < kPoolMax + 1 ? kPoolMax + 1 : size);
  }
  size_t need = size + rec::kRecordBytes;
  void* p;
  if (need <= kDirectMax) {
    p = heap_malloc_small(need);
  } else if (!(p = heap_malloc_queued(size_class(need)))) {  // the first queued page, in line
    Heap* h = heap_get_or_init();
    p = h ? heap_malloc_class(h, size_class(need)) : nullptr;
    if (!h) errno = ENOMEM;
  }
  if (PM_UNLIKELY(!p)) return nullptr;
  return hardened_finish(p, size, tag);
}

bool hardened_live_size(void* p, Page* page, const char* where, size_t* size) noexcept {
  rec::Tag tag;
  switch (rec::read(p, page->block_size, size, &tag)) {
    case rec::State::kLive: return true;
    case rec::State::kFreed: report_misuse(Misuse::kDoubleFree, p, where); return false;
    case rec::State::kBad: break;
  }
  // A 16-byte block's record shares its word with the freed key: a block already back on
  // a free list has the owner's key there.
  if (static_cast<Block*>(p)->key == reinterpret_cast<uintptr_t>(page->heap)) {
    report_misuse(Misuse::kDoubleFree, p, where);
  } else {
    report_misuse(Misuse::kOverflow, p, where);
  }
  return false;
}

void hardened_free_checked(void* p, size_t size, rec::Tag op, const char* where) noexcept {
  if (!p) return;
  Page* page = pool_page(p);
  if (!page) {  // large, huge or foreign
    if (size != rec::kUnsized) free_checked_big(p, size, where);
    else heap_free_slow(p);
    return;
  }
  if (PM_UNLIKELY(!page_block_valid(page, p))) {
    heap_free_slow(p);  // reports an unaligned or invalid pointer
    return;
  }
  size_t have;
  if (!hardened_live_size(p, page, where, &have)) return;
  uint8_t tag = uint8_t(*rec::slot(p, page->block_size) ^ rec::key(p));
  if (PM_UNLIKELY(rec_kind_mismatch(op, tag))) {
    report_misuse(Misuse::kNewDeleteMismatch, p, where);
    return;
  }
  if (PM_UNLIKELY(size != rec::kUnsized && size != have)) {
    report_misuse(Misuse::kSizeMismatch, p, where);
    return;
  }
  size_t bs = page->block_size;
  clear_freed(p, bs, have);
  rec::write_freed(p, bs);
  quarantine_put(page, p);
}

void quarantine_dirty(void* p) noexcept {
  report_misuse(Misuse::kWriteAfterFree, p, "free");
  heap_free(p);  // warn mode: a dirty block is on no list, so freeing it is safe
}

void quarantine_flush(Heap* heap) noexcept {
  if constexpr (policy::kQuarantineSlots > 0) {
    if (heap == nullptr || sentinel(heap)) return;
    for (auto& slot : heap->hardened.quarantine) {
      void* p = slot;
      slot = nullptr;
      if (p) quarantine_evict(p);
    }
  }
}

}  // namespace pm
