// Free address space as spans of whole segments, with boundary tags in the spans
// themselves: the first segment of a free span starts with its FreeSpan record, the last
// segment carries a tag pointing back at it, and the segment map marks both with
// kMapFree, so a released span finds its free neighbours in O(1). Free spans sit in
// segregated bins (exact up to 16 segments, then four per power of two) with a bitmap of
// non-empty bins, and on one list ordered by the time they were freed, for the decay.
//
// The spans' invariants are with FreeSpan in types.hpp (PM_ASSERT checks them in debug
// builds); here also: g_dirty counts every front end's resident free bytes (the dirty
// spans here included).
#include "backend.hpp"

#include <errno.h>
#include <string.h>

#include <atomic>

#include "debug.hpp"
#include "error.hpp"
#include "list.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "segmap.hpp"
#include "types.hpp"

namespace pm {
uint8_t g_segmap[kSegmapEntries];
}

namespace pm::backend {

namespace {
// The tag sits in the first page of the last segment, clear of the record when both share
// a segment.
constexpr size_t kTagOffset = 2048;
static_assert(sizeof(FreeSpan) <= kTagOffset);
constexpr unsigned kBins = 128;
// Clean spans unused this many decay periods are unmapped: address space goes back too.
constexpr uint64_t kUnmapDecays = 16;
// The dirty budget: at least this much, or as much as the memory in use.
constexpr size_t kDirtyMin = size_t{16} << 20;

Lock g_lock;
std::atomic<uintptr_t> g_owner{0};  // thread holding g_lock: a signal handler never waits for itself
// A fork child whose parent forked in the middle of a free-span update: the index is never
// trusted again, and every call takes the path of a busy lock (map fresh, unmap at once).
bool g_bypass = false;
using Bin = List<FreeSpan>;
using AgeList = List<FreeSpan, &FreeSpan::anext, &FreeSpan::aprev>;
constinit Bin g_bins[kBins];
uint64_t g_mask[2];
constinit AgeList g_age;  // every free span, oldest first
size_t g_free_bytes;
size_t g_span_count;
size_t g_dirty_spans_bytes;  // the part of g_dirty that is ours
std::atomic<size_t> g_dirty{0};
std::atomic<size_t> g_in_use{0};  // bytes the front ends hand out (see in_use_add)
// The budget is scaled by 2^g_scale (budget_purged / fresh_faults).
constexpr unsigned kMaxScale = 2;
std::atomic<unsigned> g_scale{0};
std::atomic<uint64_t> g_budget_purge_ms{0};
std::atomic<uint64_t> g_regret_ms{0};

uintptr_t self() { return reinterpret_cast<uintptr_t>(__builtin_thread_pointer()); }

// Takes the lock unless the caller must not wait (may_wait false), or the holder is this
// very thread (a signal handler that interrupted the backend).
bool acquire(bool may_wait) {
  if (PM_UNLIKELY(g_bypass)) return false;
  if (!g_lock.try_lock()) {
    if (!may_wait || g_owner.load(std::memory_order_relaxed) == self()) return false;
    g_lock.lock();
  }
  g_owner.store(self(), std::memory_order_relaxed);
  return true;
}
void unlock() {
  g_owner.store(0, std::memory_order_relaxed);
  g_lock.unlock();
}
struct Held {
  ~Held() { unlock(); }
};

// g_free_bytes and g_dirty_spans_bytes change under the lock but over_budget() reads
// them without it: relaxed atomic updates.
void add(size_t& counter, size_t delta) { __atomic_fetch_add(&counter, delta, __ATOMIC_RELAXED); }
// Neighbours' entries may be rewritten by their owners meanwhile (never to or from
// kMapFree, which only the lock holder writes).
uint8_t segmap_at(size_t i) { return __atomic_load_n(&g_segmap[i], __ATOMIC_RELAXED); }

unsigned bin_of(size_t n) {
  if (n <= 16) return unsigned(n - 1);
  unsigned b = 63u - unsigned(__builtin_clzll(n));
  unsigned bin = 16 + (b - 4) * 4 + unsigned((n >> (b - 2)) & 3);
  return bin < kBins ? bin : kBins - 1;
}

char* addr(size_t seg_index) { return reinterpret_cast<char*>(seg_index << kSegmentShift); }
size_t index_of(const void* p) { return reinterpret_cast<uintptr_t>(p) >> kSegmentShift; }
TailTag* tag_of(FreeSpan* s) {
  return reinterpret_cast<TailTag*>(reinterpret_cast<char*>(s) + (s->segs - 1) * kSegmentSize +
                                    kTagOffset);
}
size_t bytes_of(size_t segs) { return segs << kSegmentShift; }

void bin_insert(FreeSpan* s) {
  unsigned b = bin_of(s->segs);
  s->bin = uint8_t(b);
  g_bins[b].push_front(s);
  g_mask[b >> 6] |= uint64_t{1} << (b & 63);
}

void bin_remove(FreeSpan* s) {
  unsigned b = s->bin;
  g_bins[b].remove(s);
  if (g_bins[b].empty()) g_mask[b >> 6] &= ~(uint64_t{1} << (b & 63));
}

void mark(FreeSpan* s, uint8_t value) {
  segmap_set(s, value);
  segmap_set(addr(index_of(s) + s->segs - 1), value);
}

// Record a free span of segs segments at p and put it on the lists.
FreeSpan* insert(void* p, size_t segs, size_t dirty, uint64_t freed_at) {
  if (dirty > bytes_of(segs)) dirty = bytes_of(segs);
  auto* s = static_cast<FreeSpan*>(p);
  s->segs = segs;
  s->freed_at = freed_at;
  s->dirty = dirty;
  s->next = s->prev = s->anext = s->aprev = nullptr;
  tag_of(s)->head = s;
  bin_insert(s);
  g_age.push_back(s);
  mark(s, kMapFree);
  add(g_free_bytes, bytes_of(segs));
  g_span_count++;
  add(g_dirty_spans_bytes, dirty);
  g_dirty.fetch_add(dirty, std::memory_order_relaxed);
  return s;
}

// Off the lists; the segment-map marks are the caller's to rewrite.
void remove(FreeSpan* s) {
  PM_ASSERT(g_free_bytes >= bytes_of(s->segs) && g_span_count > 0);
  bin_remove(s);
  g_age.remove(s);
  add(g_free_bytes, 0 - bytes_of(s->segs));
  g_span_count--;
  add(g_dirty_spans_bytes, 0 - s->dirty);
  g_dirty.fetch_sub(s->dirty, std::memory_order_relaxed);
}

// The memory goes back to the OS except the record page and the tag page.
void purge_span(FreeSpan* s) {
  PM_ASSERT(s->dirty && g_dirty_spans_bytes >= s->dirty);
  char* base = reinterpret_cast<char*>(s);
  char* tail = base + bytes_of(s->segs - 1);
  if (s->segs == 1) {
    os::purge(base + kOsPage, kSegmentSize - kOsPage);
  } else {
    os::purge(base + kOsPage, size_t(tail - base) - kOsPage);
    os::purge(tail + kOsPage, kSegmentSize - kOsPage);
  }
  add(g_dirty_spans_bytes, 0 - s->dirty);
  g_dirty.fetch_sub(s->dirty, std::memory_order_relaxed);
  s->dirty = 0;
}

void unmap_span(FreeSpan* s) {
  size_t segs = s->segs;
  remove(s);
  mark(s, kMapNone);
  os::unmap(s, bytes_of(segs));
}

// Take segments [start, start + n) out of free span s (which holds them): the pieces before
// and after stay free with its age and dirt (where in s the resident pages lie is not
// known: either piece may have them all). Returns the dirty bytes s had.
size_t take(FreeSpan* s, size_t start, size_t n) {
  size_t dirty = s->dirty;
  uint64_t freed_at = s->freed_at;
  size_t first = index_of(s), end = first + s->segs;
  PM_ASSERT(first <= start && start + n <= end);
  remove(s);
  mark(s, kMapNone);
  if (start > first) insert(addr(first), start - first, dirty, freed_at);
  if (start + n < end) insert(addr(start + n), end - start - n, dirty, freed_at);
  return dirty;
}

// A free span of at least n segments (good fit), or nullptr.
FreeSpan* find(size_t n) {
  unsigned b = bin_of(n);
  unsigned looked = 0;  // bin b mixes lengths above 16 segments: look at a few of them
  for (FreeSpan* s = g_bins[b].first; s && looked < 8; s = s->next, ++looked)
    if (s->segs >= n) return s;
  unsigned from = b + 1;  // every span in a higher bin is long enough
  for (unsigned w = from >> 6; w < 2; ++w) {
    uint64_t m = g_mask[w];
    if (w == from >> 6) m &= ~uint64_t{0} << (from & 63);
    if (m) return g_bins[w * 64 + unsigned(__builtin_ctzll(m))].first;
  }
  return nullptr;
}

// A fresh span of segs segments at p: move the resident pages of free dirty spans into it
// (newest first), so the block starts with memory that is already faulted in instead of
// faulting every page of the new mapping. A freed huge block of another size is reused
// this way although no free span fits the request.
bool recycle_into(char* p, size_t segs) {
  size_t off = 0;
  for (FreeSpan* s = g_age.last; s && off < segs;) {
    FreeSpan* older = s->aprev;
    if (s->dirty) {
      size_t take = s->segs < segs - off ? s->segs : segs - off;
      size_t dirty = s->dirty;
      uint64_t freed_at = s->freed_at;
      size_t total = s->segs;
      char* src = reinterpret_cast<char*>(s);
      remove(s);
      mark(s, kMapNone);
      if (!os::move_pages(src, p + bytes_of(off), bytes_of(take))) {
        insert(src, total, dirty, freed_at);
        break;
      }
      if (take < total) insert(src + bytes_of(take), total - take, dirty, freed_at);
      off += take;
    }
    s = older;
  }
  return off > 0;
}

bool over_reserve_limit(size_t bytes) {
  size_t limit = options().reserve_limit;
  return limit != 0 && os::mapped_bytes() + bytes > limit;
}

// Purge the oldest dirty spans while the allocator keeps more free memory resident than
// the budget allows.
void trim_to_budget() {
  for (FreeSpan* s = g_age.first; s && over_budget(); s = s->anext) {
    if (!s->dirty) continue;
    purge_span(s);
    budget_purged();
  }
}
}  // namespace

void* alloc(size_t segs, size_t align_segs, bool* zeroed, bool may_wait) {
  if (align_segs == 0) align_segs = 1;
  size_t need = segs + align_segs - 1;
  if (need < segs || need > kSegmapEntries) {
    errno = ENOMEM;
    return nullptr;
  }
  if (!acquire(may_wait)) goto fresh;
  {
    FreeSpan* s = find(need);
    if (s) {
      size_t start = (index_of(s) + align_segs - 1) & ~(align_segs - 1);
      size_t dirty = take(s, start, segs);
      char* p = addr(start);
      // A purged span faults in every page it is given; resident pages of other free spans
      // can take their place (huge blocks of changing sizes reuse memory this way).
      if (!dirty && segs > 1 && g_dirty_spans_bytes != 0 && recycle_into(p, segs)) dirty = 1;
      unlock();
      if (!dirty) fresh_faults(bytes_of(segs));
      if (!dirty) {
        // A clean span reads as zero but for the pages the purge spared: the record page
        // and the tag page (which still hold whatever the span's last user left there).
        memset(p, 0, kOsPage);
        memset(p + bytes_of(segs - 1), 0, kOsPage);
      }
      *zeroed = !dirty;
      return p;
    }
    unlock();
  }
fresh:
  if (over_reserve_limit(bytes_of(segs))) {
    if (options().verbose) verbose_note("reserve_limit reached, mapped bytes", os::mapped_bytes());
    errno = ENOMEM;
    return nullptr;
  }
  if (segs > SIZE_MAX >> kSegmentShift) {
    errno = ENOMEM;
    return nullptr;
  }
  void* p = os::map_aligned(bytes_of(segs), bytes_of(align_segs));
  *zeroed = true;
  if (p && segs > 1 && __atomic_load_n(&g_dirty_spans_bytes, __ATOMIC_RELAXED) != 0 &&
      acquire(may_wait)) {
    if (recycle_into(static_cast<char*>(p), segs)) *zeroed = false;
    unlock();
  }
  if (p && *zeroed) fresh_faults(bytes_of(segs));
  return p;  // nullptr with ENOMEM when the OS refuses
}

void release(void* p, size_t segs, size_t dirty) {
  size_t i = index_of(p);
  for (size_t k = 0; k < segs; ++k) segmap_set(addr(i + k), kMapNone);
  uint64_t now = os::now_ms();
  if (!acquire(true)) {  // a handler that interrupted the backend (or a bypass): give it straight back
    os::unmap(p, bytes_of(segs));
    return;
  }
  Held held;
  size_t start = i, total = segs, left_dirty = 0, right_dirty = 0;
  if (i > 0 && segmap_at(i - 1) == kMapFree) {
    FreeSpan* left = reinterpret_cast<TailTag*>(addr(i - 1) + kTagOffset)->head;
    PM_ASSERT(index_of(left) + left->segs == i);
    left_dirty = left->dirty;
    remove(left);
    mark(left, kMapNone);
    start = index_of(left);
    total += left->segs;
  }
  size_t r = i + segs;
  if (r < kSegmapEntries && segmap_at(r) == kMapFree) {
    auto* right = reinterpret_cast<FreeSpan*>(addr(r));
    PM_ASSERT(right->segs > 0 && tag_of(right)->head == right);
    right_dirty = right->dirty;
    total += right->segs;
    remove(right);
    mark(right, kMapNone);
  }
  insert(addr(start), total, dirty + left_dirty + right_dirty, now);
  PM_ASSERT(g_dirty_spans_bytes <= g_free_bytes);
  trim_to_budget();
}

bool grow_in_place(void* p, size_t old_segs, size_t new_segs) {
  size_t r = index_of(p) + old_segs;
  size_t extra = new_segs - old_segs;
  if (!acquire(false)) return false;
  Held held;
  if (r >= kSegmapEntries || segmap_at(r) != kMapFree) return false;
  auto* right = reinterpret_cast<FreeSpan*>(addr(r));
  if (right->segs < extra) return false;
  take(right, r, extra);
  return true;
}

void* remap(void* p, size_t old_segs, size_t new_segs) {
  if (over_reserve_limit(bytes_of(new_segs - old_segs))) {
    errno = ENOMEM;
    return nullptr;
  }
  return os::remap_aligned(p, bytes_of(old_segs), bytes_of(new_segs), kSegmentSize);
}

void decay(uint64_t now, bool force) {
  unsigned scale = g_scale.load(std::memory_order_relaxed);
  if (scale != 0 && (force || now > g_regret_ms.load(std::memory_order_relaxed) + 2 * options().decay_ms)) {
    g_scale.store(force ? 0 : scale - 1, std::memory_order_relaxed);
    g_regret_ms.store(now, std::memory_order_relaxed);
  }
  if (!acquire(force)) return;
  Held held;
  uint64_t d = options().decay_ms;
  bool may_purge = force || options().purge;
  FreeSpan* s = g_age.first;
  while (s) {
    FreeSpan* next = s->anext;
    if (!force && now < s->freed_at + d) break;
    if (s->dirty && may_purge) purge_span(s);
    if (!s->dirty && (force || now >= s->freed_at + kUnmapDecays * d)) unmap_span(s);
    s = next;
  }
}

size_t release_all() {
  if (!acquire(true)) return 0;
  Held held;
  size_t bytes = g_free_bytes;
  while (!g_age.empty()) unmap_span(g_age.first);
  return bytes;
}

void dirty_add(size_t bytes) { g_dirty.fetch_add(bytes, std::memory_order_relaxed); }
void dirty_sub(size_t bytes) { g_dirty.fetch_sub(bytes, std::memory_order_relaxed); }
void in_use_add(size_t bytes) { g_in_use.fetch_add(bytes, std::memory_order_relaxed); }
void in_use_sub(size_t bytes) { g_in_use.fetch_sub(bytes, std::memory_order_relaxed); }
size_t dirty_bytes() { return g_dirty.load(std::memory_order_relaxed); }

namespace {
bool over(size_t factor) {
  if (!options().purge) return false;  // purge=0: nothing goes back before malloc_trim
  size_t dirty = g_dirty.load(std::memory_order_relaxed);
  factor <<= g_scale.load(std::memory_order_relaxed);
  if (dirty <= kDirtyMin * factor) return false;
  // In use: what the front ends hand out, or (when more) mapped less the free memory known
  // to the backend; the second keeps large arenas' purged free units counted, so a program
  // that frees a round of large blocks and allocates the next is not purged in between
  // (mstress: half the extra page faults of the first alone).
  size_t mapped = os::mapped_bytes();
  size_t spans = __atomic_load_n(&g_dirty_spans_bytes, __ATOMIC_RELAXED);
  size_t idle = __atomic_load_n(&g_free_bytes, __ATOMIC_RELAXED) + (dirty > spans ? dirty - spans : 0);
  size_t est = mapped > idle ? mapped - idle : 0;
  size_t in_use = g_in_use.load(std::memory_order_relaxed);
  return dirty > (est > in_use ? est : in_use) * factor;
}
}  // namespace

bool over_budget() { return over(1); }

void budget_purged() {
  uint64_t now = os::now_ms();
  if (g_budget_purge_ms.load(std::memory_order_relaxed) != now)
    g_budget_purge_ms.store(now, std::memory_order_relaxed);
}

// mstress (threads that free most of their blocks at the end of each round, and new
// threads that allocate them again): purging at every round's end took 2.3x the time of
// no purging at all, for a higher peak. Idle programs never fault after the purge, so
// their budget stays as it is.
void fresh_faults(size_t bytes) {
  if (bytes == 0) return;
  uint64_t purged = g_budget_purge_ms.load(std::memory_order_relaxed);
  if (purged == 0) return;
  uint64_t now = os::now_ms();
  if (now > purged + options().decay_ms) return;
  g_regret_ms.store(now, std::memory_order_relaxed);
  unsigned s = g_scale.load(std::memory_order_relaxed);
  if (s < kMaxScale) g_scale.compare_exchange_strong(s, s + 1, std::memory_order_relaxed);
  g_budget_purge_ms.store(0, std::memory_order_relaxed);  // one step per purge episode
}
bool far_over_budget() { return over(2); }

Stats stats() {
  if (!acquire(true)) return Stats{};
  Held held;
  return Stats{g_free_bytes, g_dirty_spans_bytes, g_span_count};
}

void lock_acquire() { g_lock.lock(); }
void lock_release() { g_lock.unlock(); }
void lock_reset(bool suspect) {
  g_owner.store(0, std::memory_order_relaxed);
  if (g_lock.reset() && suspect) g_bypass = true;
}

}  // namespace pm::backend
