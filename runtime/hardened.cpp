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

// A quarantined block leaves: it must still be all zero (its first kWriteCheckBytes) with
// its freed record. The words are or-ed four at a time, the last four ending at the limit
// (they may overlap the ones before: every pool block has at least 8 bytes before its
// record, and a block under 40 bytes is checked word by word).
PM_INLINE bool still_clean(void* p) {
  Page* page = pool_page(p);
  size_t bs = page->block_size;
  size_t end = bs - rec::kRecordBytes;  // a multiple of 8
  if (end > policy::kWriteCheckBytes) end = policy::kWriteCheckBytes;
  const uint64_t* w = static_cast<const uint64_t*>(p);
  size_t n = end / 8;
  uint64_t dirty = *rec::slot(p, bs) ^ (rec::kFreed ^ rec::key(p));
  if (n < 4) {
    for (size_t i = 0; i < n; ++i) dirty |= w[i];
  } else {
    for (size_t i = 0; i + 4 <= n; i += 4) dirty |= w[i] | w[i + 1] | w[i + 2] | w[i + 3];
    dirty |= w[n - 4] | w[n - 3] | w[n - 2] | w[n - 1];
  }
  return dirty == 0;
}

// Leaves the quarantine (warn mode: a dirty block is on no list, so freeing it is safe).
void evict(void* p) {
  if (PM_UNLIKELY(!still_clean(p))) report_misuse(Misuse::kWriteAfterFree, p, "free");
  heap_free(p);
}
}  // namespace

void* hardened_finish(void* p, size_t size, rec::Tag tag) noexcept {
  Page* page = pool_page(p);
  if (!page) return p;  // large or huge: no record
  memset(p, 0, sizeof(Block));  // the link and key words (the rest was zeroed at free)
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
  memset(p, 0, have + rec::canary_len(bs, have));
  rec::write_freed(p, bs);
  quarantine_put(p);
}

void quarantine_put(void* p) noexcept {
  if constexpr (policy::kQuarantineSlots > 0) {
    Heap* h = tl_heap;
    if (!sentinel(h)) {
      void* victim;
      {
        ReentryGuard guard;  // a signal handler's free must not race on the slots
        size_t i = size_t(rng_next(&h->hardened.rng) % policy::kQuarantineSlots);
        victim = h->hardened.quarantine[i];
        h->hardened.quarantine[i] = p;
      }
      if (!victim) return;
      if (PM_UNLIKELY(!still_clean(victim))) report_misuse(Misuse::kWriteAfterFree, victim, "free");
      p = victim;  // one heap_free below, in line
    }
  }
  heap_free(p);
}

void quarantine_flush(Heap* heap) noexcept {
  if constexpr (policy::kQuarantineSlots > 0) {
    if (heap == nullptr || sentinel(heap)) return;
    for (auto& slot : heap->hardened.quarantine) {
      void* p = slot;
      slot = nullptr;
      if (p) evict(p);
    }
  }
}

}  // namespace pm
