// Size dispatch (pool, large arena, huge mappings), calloc, realloc, aligned allocation,
// usable size and ownership.
#include "alloc.hpp"

#include <errno.h>
#include <string.h>

#include "backend.hpp"
#include "error.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "options.hpp"
#include "os.hpp"
#include "reclaim.hpp"
#include "segment.hpp"

namespace pm {

namespace {
size_t large_limit() {
  size_t t = options().huge_threshold;
  size_t m = large_max_size();
  return t < m ? t : m;
}

// Out of memory: with no lock held (this is the entry layer), give back every cached
// mapping so the address space it holds can serve the request. True when something was
// released and one retry may succeed. A signal handler inside the allocator fails at once.
bool reclaim_for_retry() {
  if (!may_wait()) return false;
  size_t before = os::mapped_bytes();
  {
    Heap* h = tl_heap;
    ReentryGuard guard;
    heap_collect(h, true);
  }
  heaps_reclaim_orphans(true);
  purge_shared(os::now_ms(), true);
  backend::release_all();
  size_t after = os::mapped_bytes();
  if (options().verbose) verbose_note("out of memory: released cached bytes", before - after);
  return after < before;
}

Heap* heap_or_fail() {
  Heap* h = heap_get_or_init();
  if (!h) errno = ENOMEM;
  return h;
}

void* alloc_any_once(size_t size, bool* zeroed) {
  *zeroed = false;
  if (size <= kPoolMax) {
    Heap* h = heap_or_fail();
    return h ? heap_malloc_class(h, size_class(size)) : nullptr;
  }
  if (PM_UNLIKELY(size > kMaxRequest)) {
    errno = ENOMEM;
    return nullptr;
  }
  Heap* h = heap_or_fail();
  if (!h) return nullptr;
  heap_tick(h);
  LockedPath locked;  // a signal handler interrupting the locked part must not wait for it
  if (size <= large_limit()) return large_malloc(size, 0, h->large_arena, zeroed, locked.may_wait);
  return huge_malloc(size, 0, zeroed, locked.may_wait);
}

void* alloc_any(size_t size, bool* zeroed) {
  void* p = alloc_any_once(size, zeroed);
  if (PM_UNLIKELY(!p) && size <= kMaxRequest && reclaim_for_retry()) p = alloc_any_once(size, zeroed);
  return p;
}
}  // namespace

void* alloc_small_slow(Heap* heap, size_t size) noexcept {
  void* p = heap_malloc_slow(heap, size);
  if (PM_UNLIKELY(!p) && reclaim_for_retry()) p = heap_malloc_slow(tl_heap, size);
  if (!p) errno = ENOMEM;
  return p;
}

namespace {
// Alignments the pool cannot serve: the large arena or a huge mapping.
void* alloc_aligned_big(Heap* h, size_t align, size_t size, bool* zeroed) {
  LockedPath locked;
  size_t need = size < kPoolMax + 1 ? kPoolMax + 1 : size;
  if (need <= large_limit() && align <= kSegmentSize / 4 &&
      need / kUnit + align / kUnit <= large_max_size() / kUnit) {
    void* p = large_malloc(need, align, h->large_arena, zeroed, locked.may_wait);
    if (p) return p;
  }
  return huge_malloc(size, align, zeroed, locked.may_wait);
}

// A huge block realloc moved from p to q: the heap profiler re-keys its sample.
void* huge_moved(void* p, void* q) {
  if (PM_UNLIKELY(PM_PROF_READ(prof::g_on)) && q && q != p) prof::on_free_big(p, q);
  return q;
}

// The usable size of a block alloc_any just returned for `size`, from the request alone
// where the layout fixes it (no metadata lookup, no lock).
size_t fresh_usable_size(void* p, size_t size) {
  if (size <= kPoolMax) return kBlockSize[size_class(size)];
  if (size <= large_limit()) return (size + kUnit - 1) & ~(kUnit - 1);
  return usable_size(p);  // a reused huge mapping may be larger than asked
}
}  // namespace

PM_PROF_ENTRY void* alloc_big(size_t size) noexcept {
  if (PM_UNLIKELY(PM_PROF_READ(prof::g_on)) && PM_UNLIKELY(prof::tick(size))) return prof::sampled_alloc(size, 0, false);
  if (size <= kPoolMax) {  // the rest of the pool: the first queued page, in line
    // (Sizes up to kDirectMax come here only while the heap profiler counts every call.)
    unsigned cls = PM_LIKELY(size > kDirectMax) ? size_class_big(size) : size_class(size);
    if (void* p = heap_malloc_queued(cls)) return p;
  }
  bool zeroed;
  return alloc_any(size, &zeroed);
}

PM_PROF_ENTRY void* alloc_zeroed(size_t count, size_t size) noexcept {
  size_t total;
  if (PM_UNLIKELY(__builtin_mul_overflow(count, size, &total))) {
    errno = ENOMEM;
    return nullptr;
  }
  if (PM_UNLIKELY(PM_PROF_READ(prof::g_on)) && PM_UNLIKELY(prof::tick(total)))  // heap profiler
    return prof::sampled_alloc(total, 0, true);
  // The whole usable size is zeroed, as glibc does, so a caller that uses the slack sees
  // zeros too.
  if constexpr (policy::kBlockRecords) {
    if (total <= kPoolMax) {  // a pool block with its record, or (close to kPoolMax) a large one
      void* p = hardened_alloc(total, rec::kMalloc);
      if (p) memset(p, 0, total);  // the request only: the canary follows
      return p;
    }
  }
  if (total <= kDirectMax) {  // counted above while profiling: in line either way
    void* p = heap_malloc_small<alloc_small_slow>(total);
    if (p) memset(p, 0, kBlockSize[size_class(total)]);
    return p;
  }
  bool zeroed;
  void* p = alloc_any(total, &zeroed);
  if (p && !zeroed) memset(p, 0, fresh_usable_size(p, total));  // fresh pages are zero already
  return p;
}

namespace {
void* alloc_aligned_once(size_t align, size_t size) noexcept {  // size <= kMaxRequest
  Heap* h = heap_or_fail();
  if (!h) return nullptr;
  // Pool pages start on 64 KiB boundaries, so a class whose block size is a multiple of
  // the alignment hands out aligned blocks.
  size_t room = policy::kBlockRecords ? rec::kRecordBytes : 0;  // the hardened record
  if (align <= kSliceSize && size <= kPoolMax - room) {
    size_t s = size + room < align ? align : size + room;
    for (unsigned c = size_class(s); c < kClassCount; ++c) {
      if (kBlockSize[c] % align != 0) continue;
      void* p = heap_malloc_class(h, c);
      if constexpr (policy::kBlockRecords) {
        if (p) hardened_finish(p, size, rec::kMalloc);
      }
      return p;
    }
  }
  bool zeroed;
  return alloc_aligned_big(h, align, size, &zeroed);
}

// One try, then one more after giving caches back; not counted by the profiler.
void* alloc_aligned_any(size_t align, size_t size) {
  void* p = alloc_aligned_once(align, size);
  if (PM_UNLIKELY(!p) && reclaim_for_retry()) p = alloc_aligned_once(align, size);
  return p;
}
}  // namespace

PM_PROF_ENTRY void* alloc_aligned(size_t align, size_t size) noexcept {
  if (align <= kMinAlign) return alloc(size);
  if (PM_UNLIKELY(size > kMaxRequest)) {
    errno = ENOMEM;
    return nullptr;
  }
  // Counted here, once per request: not again by the retry after out of memory.
  if (PM_UNLIKELY(PM_PROF_READ(prof::g_on)) && PM_UNLIKELY(prof::tick(size)))  // heap profiler
    return prof::sampled_alloc(size, align, false);
  return alloc_aligned_any(align, size);
}

size_t usable_size(const void* p) noexcept {
  uint8_t mv = segmap_get(p);
  if (mv >= kMapPoolMin) {
    Page* page = page_of(p, mv);
    if (!page_block_valid(page, p)) return 0;
    if constexpr (policy::kBlockRecords) {  // the request: the canary and record follow
      size_t size;
      return hardened_live_size(const_cast<void*>(p), page, "malloc_usable_size", &size) ? size : 0;
    }
    return page->block_size;
  }
  if (mv == kMapLarge) return large_usable_size(p);
  if (mv == kMapHuge) {
    LockedPath locked;
    return huge_usable_size(p, locked.may_wait);
  }
  return 0;
}

bool owns(const void* p) noexcept {
  if constexpr (policy::kBlockRecords) {  // a live malloc(0) block has usable size 0 there
    uint8_t mv = segmap_get(p);
    if (p && mv >= kMapPoolMin) return page_block_valid(page_of(p, mv), p);
  }
  return p && usable_size(p) != 0;
}

PM_PROF_ENTRY void* realloc_block(void* p, size_t size) noexcept {
  if (!p) return alloc(size);
  if (size == 0) {  // glibc: frees the block and returns NULL
    dealloc(p);
    return nullptr;
  }
  if (PM_UNLIKELY(size > kMaxRequest)) {
    errno = ENOMEM;
    return nullptr;
  }
  uint8_t mv = segmap_get(p);
  size_t old;
  if (mv >= kMapPoolMin) {
    Page* page = page_of(p, mv);
    if (!page_block_valid(page, p)) {
      report_misuse(page->block_size ? Misuse::kUnalignedPointer : Misuse::kInvalidPointer, p, "realloc");
      return nullptr;
    }
    if constexpr (policy::kBlockRecords) {
      // Always a new block (the old one goes through the checks and the quarantine).
      if (!hardened_live_size(p, page, "realloc", &old)) return nullptr;
      void* q = alloc(size);
      if (!q) return nullptr;
      memcpy(q, p, size < old ? size : old);
      dealloc(p);
      return q;
    }
    old = page->block_size;
    if (size <= old && (size >= old / 2 || old <= 64)) return p;  // fits, not too wasteful
  } else if (mv == kMapLarge) {
    old = large_usable_size(p);
    if (old == 0) {
      report_misuse(Misuse::kInvalidPointer, p, "realloc");
      return nullptr;
    }
    LockedPath locked;
    if (size > kPoolMax && size <= large_limit() && large_resize_in_place(p, size, locked.may_wait)) return p;
  } else if (mv == kMapHuge) {
    bool wait;
    {
      LockedPath locked;
      wait = locked.may_wait;
      old = huge_usable_size(p, wait);
      if (old == 0) {
        if (!wait) {  // the table is locked by the code this handler interrupted
          errno = ENOMEM;
          return nullptr;
        }
        report_misuse(Misuse::kInvalidPointer, p, "realloc");
        return nullptr;
      }
      if (size > large_limit()) {  // grown in place or moved by mremap: no copy
        void* q = huge_realloc(p, size, wait);
        if (q || !wait) return huge_moved(p, q);
      }
    }
    if (size > large_limit()) {  // out of memory: retry once outside the locked path
      if (!reclaim_for_retry()) {
        errno = ENOMEM;
        return nullptr;
      }
      LockedPath locked;
      return huge_moved(p, huge_realloc(p, size, locked.may_wait));
    }
  } else {
    report_misuse(Misuse::kInvalidPointer, p, "realloc");
    return nullptr;
  }
  void* q = alloc(size);
  if (!q) return nullptr;  // errno is ENOMEM; the old block is intact
  memcpy(q, p, size < old ? size : old);
  dealloc(p);
  return q;
}

void free_checked(void* p, size_t size, size_t align, const char* where) noexcept {
  if (!p) return;
  if constexpr (policy::kBlockRecords) {
    uint8_t mv = segmap_get(p);
    if (mv >= kMapPoolMin) {
      if (align && (reinterpret_cast<uintptr_t>(p) & (align - 1))) {
        report_misuse(Misuse::kSizeMismatch, p, where);
        return;
      }
      hardened_free(p, size, rec::kMalloc, where);  // the exact requested size
      return;
    }
  }
  size_t usable = usable_size(p);
  if (usable == 0) {
    heap_free_slow(p);  // reports the misuse with the right message
    return;
  }
  if (size > usable || (align && (reinterpret_cast<uintptr_t>(p) & (align - 1)))) {
    report_misuse(Misuse::kSizeMismatch, p, where);
    return;
  }
  dealloc(p);
}

// ---- heap profiler: a sampled block's memory, not counted again ----
void* alloc_for_sample(size_t size, size_t align, bool* zeroed) noexcept {
  if (align <= kMinAlign) return alloc_any(size, zeroed);
  *zeroed = false;
  return alloc_aligned_any(align, size);
}

void free_checked_big(void* p, size_t size, const char* where) noexcept {
  free_checked(p, size, 0, where);
}

void dealloc_size_mismatch(void* p, size_t size, const char* where) noexcept {
  uint8_t mv = segmap_get(p);
  if (mv < kMapPoolMin || !page_block_valid(page_of(p, mv), p)) {
    heap_free_slow(p);  // not a live block start: reports what it is
    return;
  }
  (void)size;
  report_misuse(Misuse::kSizeMismatch, p, where);
}

int trim() noexcept {
  if constexpr (policy::kQuarantineSlots > 0) quarantine_flush(tl_heap);
  size_t purged = os::purged_bytes(), mapped = os::mapped_bytes();
  heap_collect(tl_heap, true);
  heaps_reclaim_orphans(true);
  purge_shared(os::now_ms(), true);
  backend::release_all();
  return os::purged_bytes() > purged || os::mapped_bytes() < mapped ? 1 : 0;
}

}  // namespace pm
