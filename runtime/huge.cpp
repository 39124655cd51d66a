// Huge blocks: spans of whole segments from the backend (which reuses freed ones), found
// through an open-addressing hash table keyed by address (linear probing, backward-shift
// deletion, grown at half load).
#include "huge.hpp"

#include <errno.h>
#include <string.h>

#include <atomic>

#include "error.hpp"
#include "backend.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "segment.hpp"

namespace pm {

namespace {
struct Entry {
  uintptr_t addr;  // 0: empty slot
  size_t size;     // usable bytes (the request rounded up to a page)
  size_t segs;     // backend segments the block holds
};

Lock g_lock;
Entry* g_table = nullptr;
size_t g_cap = 0;  // power of two
size_t g_count = 0;
size_t g_live_bytes = 0;
size_t g_live_blocks = 0;

// A fork child whose parent forked in the middle of a table update: that table is only read
// from then on and new blocks go into a new one. Its blocks keep their sizes (usable size,
// realloc by copy); frees of them are dropped, in that child only.
Entry* g_old_table = nullptr;
size_t g_old_cap = 0;

size_t hash(uintptr_t a) { return size_t((a >> kSegmentShift) * 0x9E3779B97F4A7C15ull >> 20); }

// Probing ends at an empty slot: there is always one (the load stays under a half).
Entry* find_in(Entry* table, size_t cap, uintptr_t a) {
  if (!table) return nullptr;
  for (size_t i = hash(a) & (cap - 1);; i = (i + 1) & (cap - 1)) {
    if (table[i].addr == a) return &table[i];
    if (table[i].addr == 0) return nullptr;
  }
}
Entry* find(uintptr_t a) { return find_in(g_table, g_cap, a); }
// The set-aside table's entry for p (read without the lock: nothing writes it any more).
const Entry* find_old(const void* p) {
  if (PM_LIKELY(g_old_table == nullptr)) return nullptr;
  return find_in(g_old_table, g_old_cap, reinterpret_cast<uintptr_t>(p));
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

bool insert(uintptr_t a, size_t size, size_t segs) {
  if ((g_count + 1) * 2 > g_cap && !grow()) return false;
  place(g_table, g_cap, Entry{a, size, segs});
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

size_t map_size(size_t size) { return (size + kOsPage - 1) & ~(kOsPage - 1); }
size_t segs_of(size_t bytes) { return (bytes + kSegmentSize - 1) >> kSegmentShift; }

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
    bool zeroed;
    void* p = backend::alloc(segs_of(ms), align >> kSegmentShift, &zeroed, false);
    if (!p) {
      slot.addr.store(0, std::memory_order_release);
      return nullptr;
    }
    if (!zeroed) memset(p, 0, ms);  // the handler's caller may be calloc
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
  g_signal_count.fetch_sub(1, std::memory_order_relaxed);
  slot->addr.store(0, std::memory_order_release);
  backend::release(p, segs_of(size));
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
  g_lock.unlock();  // the table is only needed once the block exists
  size_t segs = segs_of(ms);
  void* p = backend::alloc(segs, align >> kSegmentShift, zeroed, may_wait);
  if (!p) return nullptr;  // ENOMEM: the entry layer decides whether to retry
  if (!*zeroed && (segs << kSegmentShift) > ms) {
    // Reused memory: a larger block before may have left the tail of the last segment
    // resident, where this block never reaches (about 2 MiB a block). The far part of that
    // slack goes back. Twenty huge blocks of 5-25 MiB replaced one at a time (huge-replace):
    // purging all of it cut the peak by 10% but re-faulted 1 MiB per replacement (1.4x the
    // time); two fifths of it cut the peak by 4% for a third of those faults.
    size_t slack = (segs << kSegmentShift) - ms;
    size_t cut = (slack / 5 * 2) & ~(kOsPage - 1);
    int saved = errno;
    if (cut && options().purge) os::purge(static_cast<char*>(p) + (segs << kSegmentShift) - cut, cut);
    errno = saved;
  }
  take(true);  // the first take succeeded: the interrupted code (if any) does not hold it
  LockRelease release(g_lock);
  if (!insert(reinterpret_cast<uintptr_t>(p), ms, segs)) {
    backend::release(p, segs);
    errno = ENOMEM;
    return nullptr;
  }
  g_live_bytes += ms;
  backend::in_use_add(ms);
  g_live_blocks++;
  segmap_set(p, kMapHuge);
  return p;
}

namespace {
// With the lock held: give the block back to the backend, or report why it cannot be.
void free_locked(void* p, const char* where, uint64_t) {
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  if (e) {
    size_t segs = e->segs, size = e->size;
    g_live_bytes -= e->size;
    backend::in_use_sub(e->size);
    g_live_blocks--;
    erase(e);
    backend::release(p, segs, size);  // the tail of the last segment was never used
    return;
  }
  if (find_old(p)) return;  // a set-aside table's block: dropped
  g_lock.unlock();  // the report may abort: do not hold the lock there
  report_misuse(Misuse::kInvalidPointer, p, where);
  g_lock.lock();
}
}  // namespace

namespace {
// A new ordinary block with the first bytes of p (of `size` usable bytes); p is the caller's.
void* copy_out(void* p, size_t size, size_t new_size, bool may_wait) {
  bool zeroed;
  void* q = huge_malloc(new_size, 0, &zeroed, may_wait);
  if (q) memcpy(q, p, size < map_size(new_size) ? size : map_size(new_size));
  return q;
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
  free_locked(p, where, 0);
}

size_t huge_usable_size(const void* p, bool may_wait) {
  if (SignalSlot* slot = signal_find(p)) return slot->size;
  if (const Entry* old = find_old(p)) return old->size;
  if (!take(may_wait)) return 0;
  LockRelease release(g_lock);
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  return e ? e->size : 0;
}


void* huge_realloc(void* p, size_t new_size, bool may_wait) {
  if (new_size > kMaxRequest) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t ms = map_size(new_size);
  if (SignalSlot* slot = signal_find(p)) {  // rare: move it into an ordinary block
    void* q = copy_out(p, slot->size, new_size, may_wait);
    if (q) signal_unmap(slot);
    return q;
  }
  if (const Entry* old = find_old(p)) return copy_out(p, old->size, new_size, may_wait);
  if (!take(may_wait)) {
    errno = ENOMEM;
    return nullptr;
  }
  size_t segs, old;
  size_t new_segs = segs_of(ms);
  {
    LockRelease release(g_lock);
    Entry* e = find(reinterpret_cast<uintptr_t>(p));
    if (!e) return nullptr;
    segs = e->segs;
    old = e->size;
    if (new_segs <= segs) {  // within the span: no syscall; a shorter span gives its tail back
      g_live_bytes = g_live_bytes - old + ms;
      backend::in_use_sub(old - ms);
      e->size = ms;
      e->segs = new_segs;
      if (new_segs < segs) {
        backend::release(static_cast<char*>(p) + (new_segs << kSegmentShift), segs - new_segs);
      }
      return p;
    }
  }
  // The block is the caller's: nobody else may touch its entry while it grows or moves.
  void* q = p;
  bool copied = false;
  if (!backend::grow_in_place(p, segs, new_segs)) {
    q = backend::remap(p, segs, new_segs);  // mremap: the pages move, nothing is copied
    if (!q) {  // e.g. the span joins two kernel mappings: copy instead
      bool zeroed;
      q = backend::alloc(new_segs, 1, &zeroed, may_wait);
      if (!q) return nullptr;  // ENOMEM; the old block is intact
      memcpy(q, p, old);
      copied = true;  // the old span goes back once the table no longer names it
    }
  }
  take(true);  // the block has grown or moved: its entry must follow, whatever the wait
  LockRelease release(g_lock);
  Entry* e = find(reinterpret_cast<uintptr_t>(p));
  g_live_bytes += ms - old;
  backend::in_use_add(ms - old);
  if (q == p) {
    e->size = ms;
    e->segs = new_segs;
    return p;
  }
  segmap_set(p, kMapNone);
  erase(e);
  if (!insert(reinterpret_cast<uintptr_t>(q), ms, new_segs)) fatal("huge block table cannot grow");
  segmap_set(q, kMapHuge);
  if (copied) backend::release(p, segs);
  return q;
}

HugeStats huge_stats() {
  LockGuard g(g_lock);
  return HugeStats{g_live_blocks, g_live_bytes, backend::stats().dirty_bytes};
}

void huge_locks_acquire() { g_lock.lock(); }
void huge_locks_release() { g_lock.unlock(); }
void huge_locks_reset(bool suspect) {
  if (!g_lock.reset() || !suspect) return;
  if (g_old_table) {  // set aside once before (a fork child's child): one read-only table of both
    size_t cap = g_old_cap;
    while (cap < (g_old_cap + g_cap) * 2) cap *= 2;
    auto* merged = static_cast<Entry*>(os::map(cap * sizeof(Entry)));
    if (!merged) fatal("huge block table cannot be set aside in a fork child");
    for (size_t i = 0; i < g_old_cap; ++i)
      if (g_old_table[i].addr) place(merged, cap, g_old_table[i]);
    for (size_t i = 0; i < g_cap; ++i)
      if (g_table[i].addr && !find_in(merged, cap, g_table[i].addr)) place(merged, cap, g_table[i]);
    g_table = merged;
    g_cap = cap;
  }
  g_old_table = g_table;
  g_old_cap = g_cap;
  g_table = nullptr;
  g_cap = g_count = 0;
}

// ---- walk support ---------------------------------------------------------------------------

size_t huge_live_blocks(size_t* cursor, void** ptrs, size_t* sizes, size_t max) {
  LockGuard g(g_lock);
  size_t n = 0;
  size_t i = *cursor;
  for (; i < g_cap && n < max; ++i) {
    const Entry& e = g_table[i];
    if (e.addr == 0) continue;
    ptrs[n] = reinterpret_cast<void*>(e.addr);
    sizes[n] = e.size;
    ++n;
  }
  *cursor = i;
  return n;
}

}  // namespace pm
