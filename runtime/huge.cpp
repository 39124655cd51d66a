// Huge blocks: one mapping each, found through an open-addressing hash table keyed by
// address (linear probing, backward-shift deletion, grown at half load).
#include "huge.hpp"

#include <errno.h>
#include <string.h>

#include "error.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "reclaim.hpp"
#include "segment.hpp"

namespace pm {

namespace {
struct Entry {
  uintptr_t addr;  // 0: empty slot
  size_t size;     // bytes mapped
  uint64_t freed_at;
  bool cached;     // freed, kept mapped for reuse
};

constexpr size_t kCacheSlots = 8;
constexpr size_t kCacheMaxBytes = size_t{256} << 20;

Lock g_lock;
Entry* g_table = nullptr;
size_t g_cap = 0;  // power of two
size_t g_count = 0;
uintptr_t g_cache[kCacheSlots];  // addresses of cached entries, 0 = empty
size_t g_cached_bytes = 0;
size_t g_live_bytes = 0;
size_t g_live_blocks = 0;

size_t hash(uintptr_t a) { return size_t((a >> kSegmentShift) * 0x9E3779B97F4A7C15ull >> 20); }

Entry* find(uintptr_t a) {
  if (!g_table) return nullptr;
  for (size_t i = hash(a) & (g_cap - 1);; i = (i + 1) & (g_cap - 1)) {
    if (g_table[i].addr == a) return &g_table[i];
    if (g_table[i].addr == 0) return nullptr;
  }
}

void place(Entry* table, size_t cap, const Entry& e) {
  size_t i = hash(e.addr) & (cap - 1);
  while (table[i].addr) i = (i + 1) & (cap - 1);
  table[i] = e;
}

bool grow() {
  size_t ncap = g_cap ? g_cap * 2 : 256;
  auto* nt = static_cast<Entry*>(os::map(ncap * sizeof(Entry)));
  if (!nt) return false;
  for (size_t i = 0; i < g_cap; ++i)
    if (g_table[i].addr) place(nt, ncap, g_table[i]);
  if (g_table) os::unmap(g_table, g_cap * sizeof(Entry));
  g_table = nt;
  g_cap = ncap;
  return true;
}

bool insert(uintptr_t a, size_t size) {
  if ((g_count + 1) * 2 > g_cap && !grow()) return false;
  place(g_table, g_cap, Entry{a, size, 0, false});
  ++g_count;
  return true;
}

void erase(Entry* e) {
  size_t i = size_t(e - g_table);
  size_t mask = g_cap - 1;
  g_table[i].addr = 0;
  // Shift later members of the probe run back so lookups never stop early.
  for (size_t j = (i + 1) & mask; g_table[j].addr; j = (j + 1) & mask) {
    size_t home = hash(g_table[j].addr) & mask;
    bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      g_table[i] = g_table[j];
      g_table[j].addr = 0;
      i = j;
    }
  }
  --g_count;
}

void unmap_entry(Entry* e) {
  uintptr_t a = e->addr;
  size_t size = e->size;
  segmap_set(reinterpret_cast<void*>(a), kMapNone);
  erase(e);
  os::unmap(reinterpret_cast<void*>(a), size);
}

size_t map_size(size_t size) { return (size + kOsPage - 1) & ~(kOsPage - 1); }
}  // namespace

void* huge_malloc(size_t size, size_t align, bool* zeroed) {
  if (size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t ms = map_size(size);
  if (align < kSegmentSize) align = kSegmentSize;
  {
    LockGuard g(g_lock);
    // Reuse a cached mapping that is big enough but not wastefully so.
    for (auto& c : g_cache) {
      if (!c || (c & (align - 1))) continue;
      Entry* e = find(c);
      if (e->size >= ms && e->size - ms <= ms / 4) {
        c = 0;
        e->cached = false;
        g_cached_bytes -= e->size;
        g_live_bytes += e->size;
        g_live_blocks++;
        *zeroed = false;
        return reinterpret_cast<void*>(e->addr);
      }
    }
  }
  size_t limit = options().reserve_limit;
  if (limit && os::mapped_bytes() + ms > limit) {
    if (options().verbose) verbose_note("reserve_limit reached, mapped bytes", os::mapped_bytes());
    errno = ENOMEM;
    return nullptr;
  }
  void* p = os::map_aligned(ms, align);
  if (!p && reclaim_address_space()) p = os::map_aligned(ms, align);
  if (!p) return nullptr;
  LockGuard g(g_lock);
  if (!insert(reinterpret_cast<uintptr_t>(p), ms)) {
    os::unmap(p, ms);
    errno = ENOMEM;
    return nullptr;
  }
  g_live_bytes += ms;
  g_live_blocks++;
  segmap_set(p, kMapHuge);
  *zeroed = true;
  return p;
}

void huge_free(void* p, const char* where) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
  uint64_t now = os::now_ms();
  Misuse bad;
  {
    LockGuard g(g_lock);
    Entry* e = find(a);
    if (e && !e->cached) {
      g_live_bytes -= e->size;
      g_live_blocks--;
      if (options().purge && e->size <= kCacheMaxBytes - g_cached_bytes) {
        for (auto& c : g_cache) {
          if (c) continue;
          c = a;
          e->cached = true;
          e->freed_at = now;
          g_cached_bytes += e->size;
          return;
        }
      }
      unmap_entry(e);
      return;
    }
    bad = e ? Misuse::kDoubleFree : Misuse::kInvalidPointer;
  }
  report_misuse(bad, p, where);
}

size_t huge_usable_size(const void* p) {
  LockGuard g(g_lock);
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  return e && !e->cached ? e->size : 0;
}

bool huge_owns(const void* p) { return huge_usable_size(p) != 0; }

void* huge_realloc(void* p, size_t new_size) {
  if (new_size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t ms = map_size(new_size);
  size_t old;
  {
    LockGuard g(g_lock);
    Entry* e = find(reinterpret_cast<uintptr_t>(p));
    if (!e || e->cached) return nullptr;
    if (e->size == ms) return p;
    old = e->size;
  }
  // The block is the caller's: nobody else may touch its entry while it moves.
  void* q = os::remap_aligned(p, old, ms, kSegmentSize);
  if (!q && reclaim_address_space()) q = os::remap_aligned(p, old, ms, kSegmentSize);
  if (!q) {
    errno = ENOMEM;
    return nullptr;
  }
  LockGuard g(g_lock);
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  g_live_bytes += ms - old;
  if (q == p) {
    e->size = ms;
    return p;
  }
  segmap_set(p, kMapNone);
  erase(e);
  if (!insert(reinterpret_cast<uintptr_t>(q), ms)) fatal("huge block table cannot grow");
  segmap_set(q, kMapHuge);
  return q;
}

void huge_purge(uint64_t now, bool force) {
  uint64_t decay = options().decay_ms;
  if (force) g_lock.lock();
  else if (!g_lock.try_lock()) return;
  for (auto& c : g_cache) {
    if (!c) continue;
    Entry* e = find(c);
    if (!force && now < e->freed_at + decay) continue;
    g_cached_bytes -= e->size;
    c = 0;
    unmap_entry(e);
  }
  g_lock.unlock();
}

HugeStats huge_stats() {
  LockGuard g(g_lock);
  return HugeStats{g_live_blocks, g_live_bytes, g_cached_bytes};
}

void huge_locks_acquire() { g_lock.lock(); }
void huge_locks_release() { g_lock.unlock(); }
void huge_locks_reset() { g_lock.reset(); }

// ---- walk support ---------------------------------------------------------------------------

size_t huge_live_blocks(size_t* cursor, void** ptrs, size_t* sizes, size_t max) {
  LockGuard g(g_lock);
  size_t n = 0;
  size_t i = *cursor;
  for (; i < g_cap && n < max; ++i) {
    const Entry& e = g_table[i];
    if (e.addr == 0 || e.cached) continue;
    ptrs[n] = reinterpret_cast<void*>(e.addr);
    sizes[n] = e.size;
    ++n;
  }
  *cursor = i;
  return n;
}

}  // namespace pm
