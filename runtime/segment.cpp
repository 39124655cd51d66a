// Segment life cycle: mapping, the segment map, the cache of released segments and the
// registry of live pool segments.
#include "segment.hpp"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "error.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "policy.hpp"
#include "reclaim.hpp"

namespace pm {

uint8_t g_segmap[kSegmapEntries];

namespace {
// Released segments wait here (newest first) so a burst of frees followed by a burst of
// allocations does not pay for munmap+mmap and page faults.
Lock g_cache_lock;
void* g_cache_first = nullptr;  // linked through the first word of each cached segment
size_t g_cache_count = 0;
constexpr size_t kCacheMax = 32;  // 128 MiB of address space at most

struct CachedSegment {
  CachedSegment* next;
  uint64_t released_at;
};

Lock g_registry_lock;
Segment* g_registry = nullptr;

void registry_add(Segment* seg) {
  LockGuard g(g_registry_lock);
  seg->all_prev = nullptr;
  seg->all_next = g_registry;
  if (g_registry) g_registry->all_prev = seg;
  g_registry = seg;
}

void registry_remove(Segment* seg) {
  LockGuard g(g_registry_lock);
  if (seg->all_prev) seg->all_prev->all_next = seg->all_next;
  else g_registry = seg->all_next;
  if (seg->all_next) seg->all_next->all_prev = seg->all_prev;
}

bool over_reserve_limit() {
  size_t limit = options().reserve_limit;
  return limit != 0 && os::mapped_bytes() + kSegmentSize > limit;
}
}  // namespace

void segmap_set(const void* seg, uint8_t value) {
  __atomic_store_n(&g_segmap[reinterpret_cast<uintptr_t>(seg) >> kSegmentShift], value,
                   __ATOMIC_RELEASE);
}

void* segment_alloc_raw(bool* zeroed) {
  *zeroed = false;
  {
    LockGuard g(g_cache_lock);
    if (g_cache_first) {
      auto* c = static_cast<CachedSegment*>(g_cache_first);
      g_cache_first = c->next;
      --g_cache_count;
      c->next = nullptr;
      c->released_at = 0;
      // ---- hardening hook (runtime/policy.hpp): pool pages of the hardened variant end in
      // PROT_NONE guard pages, left in place while the segment is cached; whoever takes it
      // next (pool or large arena, any page layout) gets it all writable again.
      if constexpr (policy::kSlabGuards) {
        int saved = errno;
        mprotect(c, kSegmentSize, PROT_READ | PROT_WRITE);
        errno = saved;
      }
      // ---- end of hook
      return c;
    }
  }
  if (over_reserve_limit()) {
    if (options().verbose) verbose_note("reserve_limit reached, mapped bytes", os::mapped_bytes());
    errno = ENOMEM;
    return nullptr;
  }
  *zeroed = true;
  void* p = os::map_aligned(kSegmentSize, kSegmentSize);
  if (!p && reclaim_address_space()) p = os::map_aligned(kSegmentSize, kSegmentSize);
  return p;
}

void segment_free_raw(void* seg) {
  segmap_set(seg, kMapNone);
  uint64_t now = os::now_ms();
  {
    LockGuard g(g_cache_lock);
    if (g_cache_count < kCacheMax && options().purge) {
      auto* c = static_cast<CachedSegment*>(seg);
      c->next = static_cast<CachedSegment*>(g_cache_first);
      c->released_at = now;
      g_cache_first = c;
      ++g_cache_count;
      return;
    }
    if (g_cache_count < kCacheMax) {  // purging off: keep it mapped and resident
      auto* c = static_cast<CachedSegment*>(seg);
      c->next = static_cast<CachedSegment*>(g_cache_first);
      c->released_at = UINT64_MAX;
      g_cache_first = c;
      ++g_cache_count;
      return;
    }
  }
  os::unmap(seg, kSegmentSize);
}

void segment_cache_purge(uint64_t now, bool force) {
  // Cached segments are newest first: cut the list where they become older than decay.
  CachedSegment* victims = nullptr;
  {
    LockGuard g(g_cache_lock);
    uint64_t decay = options().decay_ms;
    CachedSegment** link = reinterpret_cast<CachedSegment**>(&g_cache_first);
    while (*link) {
      CachedSegment* c = *link;
      bool old = c->released_at != UINT64_MAX && now >= c->released_at + decay;
      if (force || old) {
        *link = nullptr;
        victims = c;
        break;
      }
      link = &c->next;
    }
    for (CachedSegment* c = victims; c; c = c->next) --g_cache_count;
  }
  while (victims) {
    CachedSegment* next = victims->next;
    os::unmap(victims, kSegmentSize);
    victims = next;
  }
}

Segment* segment_alloc_pool(SegmentKind kind) {
  bool zeroed;
  void* mem = segment_alloc_raw(&zeroed);
  if (!mem) return nullptr;
  auto* seg = static_cast<Segment*>(mem);
  if (!zeroed) memset(seg, 0, sizeof(Segment));  // fresh mappings are zero already
  seg->kind = kind;
  uint8_t map_value = kMapSmall;
  if (kind == SegmentKind::kSmall) {
    seg->free_slots = ~uint64_t{1};  // slice 0 is the header
  } else {
    map_value = kMapMedium;
    for (unsigned i = 0; i < kSlicesPerSegment; i += kMediumSlices) seg->free_slots |= uint64_t{1} << i;
  }
  for (unsigned i = 0; i < kSlicesPerSegment; ++i) seg->pages[i].slot = uint8_t(i);
  registry_add(seg);
  segmap_set(seg, map_value);
  return seg;
}

void segment_release(Segment* seg) {
  registry_remove(seg);
  segment_free_raw(seg);
}

void segments_for_each(void (*fn)(Segment*, void*), void* arg) {
  LockGuard g(g_registry_lock);
  for (Segment* s = g_registry; s; s = s->all_next) fn(s, arg);
}

void segment_locks_acquire() {
  g_cache_lock.lock();
  g_registry_lock.lock();
}
void segment_locks_release() {
  g_registry_lock.unlock();
  g_cache_lock.unlock();
}
void segment_locks_reset() {
  g_registry_lock.reset();
  g_cache_lock.reset();
}

}  // namespace pm
