// Large blocks: page-granular spans with boundary tags in the segment header.
//
// Each 4 KiB unit of a large segment has a UnitMeta. The first and last unit of every span
// carry its length and whether it is free or used (start_state / end_state); all other
// entries are kept at kUnitNone, so a pointer into the middle of a span is recognised as
// invalid. Free spans sit in segregated lists (exact lengths up to 32 units, then four
// lists per power of two) with a bitmap of non-empty lists, and free spans whose memory is
// still resident also sit on a list ordered by age, for decay.
#include "large.hpp"

#include <errno.h>
#include <string.h>

#include <atomic>

#include "debug.hpp"
#include "error.hpp"
#include "list.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "backend.hpp"
#include "segment.hpp"

namespace pm {

namespace {
constexpr unsigned kFirstUnit = (sizeof(LargeSegment) + kUnit - 1) / kUnit;
constexpr unsigned kUsableUnits = kUnitsPerSegment - kFirstUnit;
constexpr unsigned kBins = kLargeBins;
constexpr unsigned kArenas = 8;
using Arena = LargeArena;

constinit Arena g_arenas[kArenas];  // constant-initialised: malloc may run before constructors

void free_locked(Arena& a, void* p, const char* where, uint64_t now);

// Takes the arena's lock, or gives up at once when the caller must not wait. With the
// lock held, frees that were deferred to it are done first.
bool acquire(Arena& a, bool may_wait) {
  if (PM_UNLIKELY(a.quarantined)) return false;
  if (may_wait) a.lock.lock();
  else if (!a.lock.try_lock()) return false;
  if (PM_UNLIKELY(a.deferred.load(std::memory_order_relaxed) != nullptr)) {
    void* list = a.deferred.exchange(nullptr, std::memory_order_acquire);
    uint64_t now = os::now_ms();
    while (list) {
      void* next = *static_cast<void**>(list);
      free_locked(a, list, "free", now);
      list = next;
    }
  }
  return true;
}

void defer_free(Arena& a, void* p) {
  void* head = a.deferred.load(std::memory_order_relaxed);
  do {
    *static_cast<void**>(p) = head;
  } while (!a.deferred.compare_exchange_weak(head, p, std::memory_order_release,
                                             std::memory_order_relaxed));
}

unsigned bin_of(uint32_t n) {
  if (n <= 32) return n - 1;
  unsigned b = 31u - unsigned(__builtin_clz(n));
  return 32 + (b - 5) * 4 + ((n >> (b - 2)) & 3);
}
static_assert(kUsableUnits <= 1024);

LargeSegment* seg_of(const void* p) {
  return reinterpret_cast<LargeSegment*>(reinterpret_cast<uintptr_t>(p) & ~kSegmentMask);
}
unsigned index_of(const LargeSegment* s, const UnitMeta* m) { return unsigned(m - s->units); }
char* unit_addr(LargeSegment* s, unsigned u) { return reinterpret_cast<char*>(s) + size_t(u) * kUnit; }

void bin_insert(Arena& a, UnitMeta* m) {
  unsigned b = bin_of(m->len);
  m->bin = uint8_t(b);
  m->next = m->prev = nullptr;
  a.bins[b].push_front(m);
  a.bin_mask |= uint64_t{1} << b;
}

void bin_remove(Arena& a, UnitMeta* m) {
  unsigned b = m->bin;
  a.bins[b].remove(m);
  if (a.bins[b].empty()) a.bin_mask &= ~(uint64_t{1} << b);
}

void dirty_append(Arena& a, UnitMeta* m) {
  m->dnext = m->dprev = nullptr;
  a.dirty.push_back(m);
}

void dirty_remove(Arena& a, UnitMeta* m) {
  a.dirty.remove(m);
}

// Mark [u, u+n) as one span with the given state; interior entries stay kUnitNone.
void set_span(LargeSegment* s, unsigned u, uint32_t n, uint8_t state) {
  s->units[u].len = n;
  s->units[u].start_state = state;
  s->units[u + n - 1].len = n;
  s->units[u + n - 1].end_state = state;
}

void clear_span(LargeSegment* s, unsigned u, uint32_t n) {
  s->units[u].start_state = kUnitNone;
  s->units[u + n - 1].end_state = kUnitNone;
}

// Resident bits of [u, u+n): count, set, clear.
unsigned resident_count(const LargeSegment* s, unsigned u, uint32_t n) {
  unsigned c = 0;
  for (unsigned i = u, end = u + n; i < end;) {
    unsigned w = i >> 6, b = i & 63, take = 64 - b < end - i ? 64 - b : end - i;
    uint64_t mask = take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1) << b;
    c += unsigned(__builtin_popcountll(s->resident[w] & mask));
    i += take;
  }
  return c;
}
void resident_set(LargeSegment* s, unsigned u, uint32_t n, bool on) {
  for (unsigned i = u, end = u + n; i < end;) {
    unsigned w = i >> 6, b = i & 63, take = 64 - b < end - i ? 64 - b : end - i;
    uint64_t mask = take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1) << b;
    if (on) s->resident[w] |= mask;
    else s->resident[w] &= ~mask;
    i += take;
  }
}

void add_free(Arena& a, LargeSegment* s, unsigned u, uint32_t n, uint64_t freed_at) {
  uint32_t dirty = resident_count(s, u, n);
  PM_ASSERT(n > 0 && u >= kFirstUnit && u + n <= kUnitsPerSegment);
  set_span(s, u, n, kUnitFree);
  UnitMeta* m = &s->units[u];
  m->dirty = dirty;
  m->freed_at = freed_at;
  bin_insert(a, m);
  if (dirty) {
    dirty_append(a, m);
    backend::dirty_add(size_t(dirty) * kUnit);
  }
  a.clean_bytes += size_t(n - dirty) * kUnit;
  a.free_bytes += size_t(n) * kUnit;
}

void remove_free(Arena& a, LargeSegment* s, unsigned u) {
  UnitMeta* m = &s->units[u];
  // Boundary tags: both ends of a free span say free and carry its length.
  PM_ASSERT(m->len > 0 && m->start_state == kUnitFree && s->units[u + m->len - 1].end_state == kUnitFree);
  PM_ASSERT(s->units[u + m->len - 1].len == m->len && a.free_bytes >= size_t(m->len) * kUnit);
  bin_remove(a, m);
  if (m->dirty) {
    dirty_remove(a, m);
    backend::dirty_sub(size_t(m->dirty) * kUnit);
  }
  a.clean_bytes -= size_t(m->len - m->dirty) * kUnit;
  a.free_bytes -= size_t(m->len) * kUnit;
  clear_span(s, u, m->len);
}

LargeSegment* new_segment(Arena& a, unsigned arena_idx, bool may_wait) {
  bool zeroed;
  void* mem = backend::alloc(1, 1, &zeroed, may_wait);
  if (!mem) return nullptr;
  auto* s = static_cast<LargeSegment*>(mem);
  if (!zeroed) memset(s, 0, sizeof(LargeSegment));
  s->arena = uint8_t(arena_idx);
  if (!zeroed) resident_set(s, kFirstUnit, kUsableUnits, true);  // reused: assume resident
  s->next = s->prev = nullptr;
  a.segments.push_front(s);
  a.segment_count++;
  a.mapped += kSegmentSize;
  add_free(a, s, kFirstUnit, kUsableUnits, os::now_ms());
  segmap_set(s, kMapLarge);
  return s;
}

void release_segment(Arena& a, LargeSegment* s) {
  remove_free(a, s, kFirstUnit);
  a.segments.remove(s);
  a.segment_count--;
  a.mapped -= kSegmentSize;
  if (a.spare == s) a.spare = nullptr;
  size_t resident = size_t(kFirstUnit + resident_count(s, kFirstUnit, kUsableUnits)) * kUnit;
  backend::release(s, 1, resident);
}

// Purge one resident free span (the oldest) of the arena.
void purge_oldest(Arena& a) {
  UnitMeta* m = a.dirty.first;
  LargeSegment* s = seg_of(m);
  unsigned u = index_of(s, m);
  os::purge(unit_addr(s, u), size_t(m->len) * kUnit);
  resident_set(s, u, m->len, false);
  a.clean_bytes += size_t(m->dirty) * kUnit;
  backend::dirty_sub(size_t(m->dirty) * kUnit);
  m->dirty = 0;
  dirty_remove(a, m);
}

// A free span of at least n units, or nullptr.
UnitMeta* find_span(Arena& a, uint32_t n) {
  unsigned b = bin_of(n);
  if (a.bins[b].first && a.bins[b].first->len >= n) return a.bins[b].first;
  uint64_t mask = b + 1 < kBins ? a.bin_mask & (~uint64_t{0} << (b + 1)) : 0;
  if (!mask) return nullptr;
  return a.bins[__builtin_ctzll(mask)].first;
}

// Give back [u, u+n) of segment s, merging with free neighbours.
void free_span(Arena& a, LargeSegment* s, unsigned u, uint32_t n, uint64_t now) {
  resident_set(s, u, n, true);  // the freed block's memory was the program's: resident
  if (u > kFirstUnit && s->units[u - 1].end_state == kUnitFree) {
    unsigned l = u - s->units[u - 1].len;
    uint32_t ln = s->units[l].len;
    remove_free(a, s, l);
    u = l;
    n += ln;
  }
  unsigned r = u + n;
  if (r < kUnitsPerSegment && s->units[r].start_state == kUnitFree) {
    uint32_t rn = s->units[r].len;
    remove_free(a, s, r);
    n += rn;
  }
  add_free(a, s, u, n, now);
  if (n == kUsableUnits) {
    if (!a.spare) a.spare = s;
    else if (a.spare != s) release_segment(a, s);
  }
  // Past the dirty budget, memory goes back now rather than after the decay.
  while (!a.dirty.empty() && backend::over_budget()) {
    purge_oldest(a);
    backend::budget_purged();
  }
}
}  // namespace

size_t large_max_size() { return size_t(kUsableUnits) * kUnit; }

void* large_malloc(size_t size, size_t align, unsigned arena_hint, bool* zeroed, bool may_wait) {
  size_t units = (size + kUnit - 1) / kUnit;
  size_t slack = align > kUnit ? align / kUnit - 1 : 0;
  if (units == 0) units = 1;
  if (units + slack > kUsableUnits) {
    errno = ENOMEM;
    return nullptr;
  }
  unsigned idx = arena_hint % kArenas;
  for (unsigned k = 0; PM_UNLIKELY(g_arenas[idx].quarantined) && k < kArenas; ++k) idx = (idx + 1) % kArenas;
  if (!acquire(g_arenas[idx], may_wait)) {
    // A signal handler whose interrupted code holds this arena's lock: another arena will do.
    unsigned k = 1;
    for (; k < kArenas; ++k)
      if (acquire(g_arenas[(idx + k) % kArenas], false)) break;
    if (k == kArenas) {
      errno = ENOMEM;
      return nullptr;
    }
    idx = (idx + k) % kArenas;
  }
  Arena& a = g_arenas[idx];
  LockRelease release(a.lock);
  uint32_t need = uint32_t(units + slack);
  UnitMeta* m = find_span(a, need);
  if (!m) {
    if (!new_segment(a, idx, may_wait)) return nullptr;  // the entry layer may retry
    m = find_span(a, need);
  }
  LargeSegment* s = seg_of(m);
  unsigned u = index_of(s, m);
  uint32_t len = m->len;
  uint64_t freed_at = m->freed_at;
  remove_free(a, s, u);
  if (a.spare == s) a.spare = nullptr;
  unsigned start = u;
  if (slack) {
    uintptr_t addr = reinterpret_cast<uintptr_t>(unit_addr(s, u));
    uintptr_t aligned = (addr + align - 1) & ~(uintptr_t(align) - 1);
    start = u + unsigned((aligned - addr) / kUnit);
    if (start > u) add_free(a, s, u, start - u, freed_at);
  }
  unsigned end = start + unsigned(units);
  if (end < u + len) add_free(a, s, end, u + len - end, freed_at);
  uint32_t resident = resident_count(s, start, uint32_t(units));
  *zeroed = resident == 0;
  if (resident < units) backend::fresh_faults((units - resident) * kUnit);
  resident_set(s, start, uint32_t(units), false);  // in use: no longer free memory
  set_span(s, start, uint32_t(units), kUnitUsed);
  a.allocated += units * kUnit;
  backend::in_use_add(units * kUnit);
  a.blocks++;
  return unit_addr(s, start);
}

namespace {
// The used span that starts at p, or kUnitNone/kUnitFree state reported through *state.
bool lookup(const void* p, LargeSegment** sp, unsigned* up, uint8_t* state) {
  LargeSegment* s = seg_of(p);
  uintptr_t off = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(s);
  *state = kUnitNone;
  if (off % kUnit != 0 || off < kFirstUnit * kUnit) return false;
  unsigned u = unsigned(off / kUnit);
  *sp = s;
  *up = u;
  *state = s->units[u].start_state;
  return *state == kUnitUsed;
}
}  // namespace

namespace {
// With the arena's lock held: give the block back, or report why it cannot be.
void free_locked(Arena& a, void* p, const char* where, uint64_t now) {
  LargeSegment* s;
  unsigned u;
  uint8_t state;
  if (PM_LIKELY(lookup(p, &s, &u, &state))) {
    uint32_t n = s->units[u].len;
    clear_span(s, u, n);
    a.allocated -= size_t(n) * kUnit;
    backend::in_use_sub(size_t(n) * kUnit);
    a.blocks--;
    free_span(a, s, u, n, now);
    return;
  }
  a.lock.unlock();  // the report may abort: do not hold the lock there
  report_misuse(state == kUnitFree ? Misuse::kDoubleFree : Misuse::kInvalidPointer, p, where);
  a.lock.lock();
}
}  // namespace

void large_free(void* p, const char* where, bool may_wait) {
  Arena& a = g_arenas[seg_of(p)->arena % kArenas];
  if (!acquire(a, may_wait)) {
    defer_free(a, p);
    return;
  }
  free_locked(a, p, where, os::now_ms());
  a.lock.unlock();
}

size_t large_usable_size(const void* p) {
  LargeSegment* s;
  unsigned u;
  uint8_t state;
  if (!lookup(p, &s, &u, &state)) return 0;
  return size_t(s->units[u].len) * kUnit;
}

bool large_resize_in_place(void* p, size_t new_size, bool may_wait) {
  LargeSegment* s = seg_of(p);
  Arena& a = g_arenas[s->arena % kArenas];
  if (!acquire(a, may_wait)) return false;
  LockRelease release(a.lock);
  unsigned u;
  uint8_t state;
  if (!lookup(p, &s, &u, &state)) return false;
  uint32_t n = s->units[u].len;
  size_t m = (new_size + kUnit - 1) / kUnit;
  if (m == 0) m = 1;
  if (m == n) return true;
  uint64_t now = os::now_ms();
  if (m < n) {
    clear_span(s, u, n);
    set_span(s, u, uint32_t(m), kUnitUsed);
    free_span(a, s, u + unsigned(m), n - uint32_t(m), now);
    a.allocated -= (n - m) * kUnit;
    backend::in_use_sub((n - m) * kUnit);
    return true;
  }
  unsigned r = u + n;
  if (r >= kUnitsPerSegment || s->units[r].start_state != kUnitFree) return false;
  uint32_t rn = s->units[r].len;
  if (n + rn < m) return false;
  UnitMeta* rm = &s->units[r];
  uint64_t freed_at = rm->freed_at;
  remove_free(a, s, r);
  if (a.spare == s) a.spare = nullptr;
  clear_span(s, u, n);
  set_span(s, u, uint32_t(m), kUnitUsed);
  unsigned rest = u + unsigned(m);
  resident_set(s, u + n, uint32_t(m) - n, false);  // in use now
  if (rest < r + rn) add_free(a, s, rest, r + rn - rest, freed_at);
  a.allocated += (m - n) * kUnit;
  backend::in_use_add((m - n) * kUnit);
  return true;
}

void large_purge(uint64_t now, bool force) {
  uint64_t decay = options().decay_ms;
  for (Arena& a : g_arenas) {
    if (a.quarantined) continue;
    if (force) a.lock.lock();
    else if (!a.lock.try_lock()) continue;
    while (UnitMeta* m = a.dirty.first) {
      if (!force && now < m->freed_at + decay) break;
      purge_oldest(a);
    }
    // The spare saves a trip to the backend for a while; once purged it only holds
    // address space, which the backend manages better.
    if (a.spare && (force || !a.spare->units[kFirstUnit].dirty)) release_segment(a, a.spare);
    a.lock.unlock();
  }
}

LargeStats large_stats() {
  LargeStats st{};
  for (Arena& a : g_arenas) {
    LockGuard g(a.lock);
    st.allocated += a.allocated;
    st.free_bytes += a.free_bytes;
    st.mapped += a.mapped;
    st.blocks += a.blocks;
  }
  return st;
}

void large_locks_acquire() {
  for (Arena& a : g_arenas) a.lock.lock();
}
void large_locks_release() {
  for (Arena& a : g_arenas) a.lock.unlock();
}
void large_locks_reset(bool suspect) {
  for (Arena& a : g_arenas)
    if (a.lock.reset() && suspect) a.quarantined = true;
}

// ---- walk and statistics support ------------------------------------------------------------

size_t large_used_spans(const void* seg, unsigned* cursor, void** ptrs, size_t* sizes, size_t max) {
  if (segmap_get(seg) != kMapLarge) return 0;
  LargeSegment* s = seg_of(seg);
  Arena& a = g_arenas[s->arena % kArenas];
  LockGuard g(a.lock);
  if (segmap_get(seg) != kMapLarge) return 0;  // released before we got the lock
  size_t n = 0;
  unsigned u = *cursor < kFirstUnit ? kFirstUnit : *cursor;
  // Spans tile the usable units: each span's first unit carries its length and state.
  while (u < kUnitsPerSegment && n < max) {
    uint32_t len = s->units[u].len;
    if (len == 0) {  // never for a sound segment: stop rather than loop
      u = kUnitsPerSegment;
      break;
    }
    if (s->units[u].start_state == kUnitUsed) {
      ptrs[n] = unit_addr(s, u);
      sizes[n] = size_t(len) * kUnit;
      ++n;
    }
    u += len;
  }
  *cursor = u;
  return n;
}

size_t large_clean_free_bytes() {
  size_t clean = 0;
  for (Arena& a : g_arenas) {
    LockGuard g(a.lock);
    clean += a.clean_bytes;
  }
  return clean;
}

size_t large_list_segments(const void** out, size_t max, size_t skip) {
  size_t n = 0, seen = 0;
  for (Arena& a : g_arenas) {
    LockGuard g(a.lock);
    if (seen + a.segment_count <= skip) {  // whole arena before the window
      seen += a.segment_count;
      continue;
    }
    for (LargeSegment* s = a.segments.first; s && n < max; s = s->next)
      if (seen++ >= skip) out[n++] = s;
    if (n == max) break;
  }
  return n;
}

}  // namespace pm
