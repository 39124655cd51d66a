// Huge blocks: one mapping each, found through an open-addressing hash table keyed by
// address (linear probing, backward-shift deletion, grown at half load).
#include "huge.hpp"

#include <errno.h>
#include <string.h>

#include <atomic>

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

std::atomic<void*> g_deferred{nullptr};  // frees that could not take the lock (handlers)
void free_locked(void* p, const char* where, uint64_t now);

// Takes the table's lock, or gives up at once when the caller must not wait; with the
// lock held, frees deferred to it are done first.
bool take(bool may_wait) {
  if (may_wait) g_lock.lock();
  else if (!g_lock.try_lock()) return false;
  if (PM_UNLIKELY(g_deferred.load(std::memory_order_relaxed) != nullptr)) {
    void* list = g_deferred.exchange(nullptr, std::memory_order_acquire);
    uint64_t now = os::now_ms();
    while (list) {
      void* next = *static_cast<void**>(list);
      free_locked(list, "free", now);
      list = next;
    }
  }
  return true;
}

// Huge blocks mapped by signal handlers while the code they interrupted held the table's
// lock: recorded here without a lock (claim a slot with a CAS, then publish the address).
struct SignalSlot {
  std::atomic<uintptr_t> addr;  // 0 free, 1 being filled, else the block
  size_t size;
};
constexpr size_t kSignalSlots = 32;
SignalSlot g_signal_slots[kSignalSlots];
std::atomic<size_t> g_signal_count{0};

void* signal_map(size_t ms, size_t align) {
  for (auto& slot : g_signal_slots) {
    uintptr_t expected = 0;
    if (!slot.addr.compare_exchange_strong(expected, 1, std::memory_order_acquire)) continue;
    void* p = os::map_aligned(ms, align);
    if (!p) {
      slot.addr.store(0, std::memory_order_release);
      return nullptr;
    }
    slot.size = ms;
    g_signal_count.fetch_add(1, std::memory_order_relaxed);
    slot.addr.store(reinterpret_cast<uintptr_t>(p), std::memory_order_release);
    segmap_set(p, kMapHuge);
    return p;
  }
  errno = ENOMEM;
  return nullptr;
}

SignalSlot* signal_find(const void* p) {
  if (g_signal_count.load(std::memory_order_acquire) == 0) return nullptr;
  for (auto& slot : g_signal_slots)
    if (slot.addr.load(std::memory_order_acquire) == reinterpret_cast<uintptr_t>(p)) return &slot;
  return nullptr;
}

void signal_unmap(SignalSlot* slot) {
  void* p = reinterpret_cast<void*>(slot->addr.load(std::memory_order_relaxed));
  size_t size = slot->size;
  segmap_set(p, kMapNone);
  g_signal_count.fetch_sub(1, std::memory_order_relaxed);
  slot->addr.store(0, std::memory_order_release);
  os::unmap(p, size);
}
}  // namespace

void* huge_malloc(size_t size, size_t align, bool* zeroed, bool may_wait) {
  if (size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t ms = map_size(size);
  if (align < kSegmentSize) align = kSegmentSize;
  if (!take(may_wait)) {
    *zeroed = true;
    return signal_map(ms, align);
  }
  {
    LockRelease release(g_lock);
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
  if (!p && may_wait && reclaim_address_space()) p = os::map_aligned(ms, align);
  if (!p) return nullptr;
  take(true);  // the first take succeeded: the interrupted code (if any) does not hold it
  LockRelease release(g_lock);
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

namespace {
// With the lock held: cache or unmap the block, or report why it cannot be freed.
void free_locked(void* p, const char* where, uint64_t now) {
  uintptr_t a = reinterpret_cast<uintptr_t>(p);
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
  Misuse bad = e ? Misuse::kDoubleFree : Misuse::kInvalidPointer;
  g_lock.unlock();  // the report may abort: do not hold the lock there
  report_misuse(bad, p, where);
  g_lock.lock();
}
}  // namespace

void huge_free(void* p, const char* where, bool may_wait) {
  if (SignalSlot* slot = signal_find(p)) {
    signal_unmap(slot);
    return;
  }
  if (!take(may_wait)) {
    void* head = g_deferred.load(std::memory_order_relaxed);
    do {
      *static_cast<void**>(p) = head;
    } while (!g_deferred.compare_exchange_weak(head, p, std::memory_order_release,
                                               std::memory_order_relaxed));
    return;
  }
  LockRelease release(g_lock);
  free_locked(p, where, os::now_ms());
}

size_t huge_usable_size(const void* p, bool may_wait) {
  if (SignalSlot* slot = signal_find(p)) return slot->size;
  if (!take(may_wait)) return 0;
  LockRelease release(g_lock);
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  return e && !e->cached ? e->size : 0;
}


void* huge_realloc(void* p, size_t new_size, bool may_wait) {
  if (new_size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t ms = map_size(new_size);
  size_t old;
  if (SignalSlot* slot = signal_find(p)) {  // rare: move it into an ordinary block
    bool zeroed;
    void* q = huge_malloc(new_size, 0, &zeroed, may_wait);
    if (!q) return nullptr;
    memcpy(q, p, slot->size < ms ? slot->size : ms);
    signal_unmap(slot);
    return q;
  }
  if (!take(may_wait)) {
    errno = ENOMEM;
    return nullptr;
  }
  {
    LockRelease release(g_lock);
    Entry* e = find(reinterpret_cast<uintptr_t>(p));
    if (!e || e->cached) return nullptr;
    if (e->size == ms) return p;
    old = e->size;
  }
  // The block is the caller's: nobody else may touch its entry while it moves.
  void* q = os::remap_aligned(p, old, ms, kSegmentSize);
  if (!q && may_wait && reclaim_address_space()) q = os::remap_aligned(p, old, ms, kSegmentSize);
  if (!q) {
    errno = ENOMEM;
    return nullptr;
  }
  take(true);  // the block has moved: its entry must follow, whatever the wait
  LockRelease release(g_lock);
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
