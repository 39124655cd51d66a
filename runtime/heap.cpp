// Thread heaps: the malloc slow path, frees from the owner and from other threads,
// heap creation and registry, thread exit (orphans) and fork.
#include "heap.hpp"

#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <utility>

#include "debug.hpp"
#include "error.hpp"
#include "hardened.hpp"
#include "huge.hpp"
#include "init.hpp"
#include "large.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"
#include "page.hpp"
#include "prof.hpp"
#include "reclaim.hpp"

namespace pm {

Page g_empty_page;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
namespace {
// Constant-initialised, so a malloc that runs before any constructor finds it ready.
template <size_t... I>
constexpr Heap make_empty_heap(std::index_sequence<I...>) {
  return Heap{{((void)I, &g_empty_page)...}};
}
}  // namespace
constinit Heap g_empty_heap = make_empty_heap(std::make_index_sequence<kDirectSlots>{});
constinit Heap g_reentry_heap = make_empty_heap(std::make_index_sequence<kDirectSlots>{});
constinit Heap g_exited_heap = make_empty_heap(std::make_index_sequence<kDirectSlots>{});
#pragma GCC diagnostic pop

bool g_zero_on_free = true;
constinit thread_local Heap* tl_heap __attribute__((tls_model("initial-exec"))) = &g_empty_heap;

namespace {
Lock g_heaps_lock;          // registry, orphan list, heap storage
using HeapList = List<Heap, &Heap::reg_next, &Heap::reg_prev>;
using OrphanList = List<Heap, &Heap::orphan_next, &Heap::orphan_prev>;
constinit HeapList g_registry;       // every heap with memory: live, orphaned, detached
constinit OrphanList g_orphans;      // heaps of exited threads that still own memory
constinit OrphanList g_free_heaps;   // unregistered heap storage, for the next thread
char* g_heap_chunk = nullptr;
size_t g_heap_chunk_left = 0;
uint32_t g_heap_ids = 0;
constexpr unsigned kLargeArenaShards = 8;

Heap* heap_storage_alloc() {
  if (Heap* h = g_free_heaps.first) {
    g_free_heaps.remove(h);
    return h;
  }
  constexpr size_t kStride = (sizeof(Heap) + 63) & ~size_t{63};
  if (g_heap_chunk_left < kStride) {
    constexpr size_t kChunk = 256 * 1024;
    g_heap_chunk = static_cast<char*>(os::map(kChunk));
    if (!g_heap_chunk) return nullptr;
    g_heap_chunk_left = kChunk;
  }
  Heap* h = reinterpret_cast<Heap*>(g_heap_chunk);
  g_heap_chunk += kStride;
  g_heap_chunk_left -= kStride;
  return h;
}

}  // namespace
std::atomic<uint32_t> g_heap_count{0};
namespace {

void registry_add(Heap* h) {
  g_heap_count.fetch_add(1, std::memory_order_relaxed);
  g_registry.push_front(h);
}

// With g_heaps_lock held: a new registered heap (storage reused when possible).
Heap* heap_new(uintptr_t thread) {
  Heap* h = heap_storage_alloc();
  if (!h) return nullptr;
  memset(static_cast<void*>(h), 0, sizeof(Heap));
  for (auto& d : h->direct) d = &g_empty_page;
  h->id = ++g_heap_ids;
  h->large_arena = uint8_t(h->id % kLargeArenaShards);
  if constexpr (policy::kHardened) {
    // The secret is made here at the latest, before any page, block or list of the heap:
    // the fast paths that key them read it without checking (secret_known).
    uint64_t s = secret();
    h->hardened.slots = uint32_t(options().quarantine);
    h->hardened.rng = (s ^ uint64_t(h->id) * 0x9E3779B97F4A7C15ULL) | 1;
    h->hardened.qrng = s * 0xD6E8FEB86659FD93ULL + h->id;
  }
  __atomic_store_n(&h->thread, thread, __ATOMIC_RELAXED);  // remote frees read it
  registry_add(h);
  return h;
}

// With g_heaps_lock held: takes orphan h off the list with its servicing flag held, unless
// it may not be used (a fork child's dead heap, or one being serviced).
bool claim_orphan(Heap* h) {
  uint32_t idle = 0;
  if (h->dead || !h->servicing.compare_exchange_strong(idle, 1, std::memory_order_acquire)) return false;
  g_orphans.remove(h);
  __atomic_store_n(&h->orphaned, false, __ATOMIC_RELAXED);
  return true;
}

// With g_heaps_lock held: the first orphan that claim_orphan takes, or nullptr.
Heap* take_orphan() {
  for (Heap* h = g_orphans.first; h; h = h->orphan_next)
    if (claim_orphan(h)) return h;
  return nullptr;
}

// With g_heaps_lock held: claimed orphan h is the calling thread's from now on.
void own_claimed(Heap* h) {
  __atomic_store_n(&h->thread, thread_pointer(), __ATOMIC_RELAXED);
  h->servicing.store(0, std::memory_order_release);
}

// Without the lock: h, the calling thread's new heap, becomes tl_heap.
void install_heap(Heap* h) {
  tl_heap = h;
  runtime_thread_started(h);  // arranges heap_thread_exit at thread exit
}

// A thread that has no heap yet frees a block of exited thread's heap h: it takes h over
// (heap_get_or_init would take whichever orphan comes first), so that the blocks it
// inherited, and what it allocates in their place, are its own: their frees are local and
// their pages are refilled in place instead of retired, purged, and faulted in again in
// another heap (a pool's replacement worker, larson's next generation: a third of its page
// faults). Only with the registry lock free at once: a signal handler may have interrupted
// its holder.
bool adopt_on_free(Heap* h) {
  if (!g_heaps_lock.try_lock()) return false;
  {
    LockRelease release(g_heaps_lock);
    if (!__atomic_load_n(&h->orphaned, __ATOMIC_ACQUIRE) || !claim_orphan(h)) return false;
    own_claimed(h);
  }
  install_heap(h);
  return true;
}

void registry_remove(Heap* h) {
  g_heap_count.fetch_sub(1, std::memory_order_relaxed);
  g_registry.remove(h);
}

// The owner's free (heap_free's push, out of line for the slow paths); b's live bit is
// clear already.
void free_to_page(Heap* heap, Page* page, Block* b) {
  b->key = reinterpret_cast<uintptr_t>(heap);
  link_set(b, page->local_free);
  page->local_free = b;
  if (--page->used == 0) {
    heap_page_unused(heap, page);
  } else if (page->used == 1 && page->current && heap->purge == PurgePolicy::kFarOverOnly) {
    page_release_emptied(heap, page);  // an orphan's current page, empty: nobody will use it
  }
}

// Blocks other threads freed for us: put them on their pages' local lists. A block whose
// live bit is clear was freed twice (the second time by another thread, or twice by
// other threads before this drain): its link may have been rewritten by the second push,
// so in warn mode the rest of the list is not trusted and is left (leaked).
PM_NOINLINE void drain_remote_list(Heap* heap) {
  heap->remote_pushes.store(0, std::memory_order_relaxed);
  uintptr_t list = heap->remote.exchange(0, std::memory_order_acquire);
  while (list) {
    Block* b = reinterpret_cast<Block*>(list);
    list = link_get_raw(b);
    Page* page = page_of(b, segmap_get(b));
    PM_ASSERT(page->heap == heap);
    if (PM_UNLIKELY(!live_take(b))) {
      report_misuse(Misuse::kDoubleFree, b, "free");
      return;
    }
    free_to_page(heap, page, b);
  }
}

// The common case, that no other thread freed anything, costs one load in line.
PM_INLINE void drain_remote(Heap* heap) {
  if (heap->remote.load(std::memory_order_relaxed) != 0) drain_remote_list(heap);
}

}  // namespace

// Decay runs on the slow paths: the heap's own free pages, then (at most every quarter of
// the decay, by whichever thread gets there) the shared caches and arenas.
void heap_tick(Heap* heap) noexcept {
  static std::atomic<uint64_t> next_global{0};
  if (heap == &g_exited_heap || heap == &g_reentry_heap) return;  // shared sentinels
  uint64_t now = os::now_ms();
  if (now < heap->next_tick_ms) return;
  heap->next_tick_ms = now + options().decay_ms / 8 + 1;
  heap_decay_boost(heap, now);
  heap_purge(heap, now, false);
  uint64_t due = next_global.load(std::memory_order_relaxed);
  if (now >= due && next_global.compare_exchange_strong(due, now + options().decay_ms / 4 + 1)) {
    if (options().purge) purge_shared(now, false);
  }
}

// ---- malloc ---------------------------------------------------------------------------------

namespace {
// Allocations made by signal handlers that interrupted the allocator come from this heap,
// one thread at a time. A handler that interrupts another handler inside it gets ENOMEM.
Lock g_signal_lock;
Heap* g_signal_heap = nullptr;

PM_INLINE void* heap_malloc_class_guarded(Heap* heap, unsigned cls) noexcept;

// blocking: false for signal handlers (a handler that interrupted the lock's holder must
// not wait for it), true for threads past their exit hook.
void* shared_malloc(unsigned cls, bool blocking) noexcept {
  // Another thread's holder will let go; a holder on this thread (a handler interrupted
  // the shared heap itself) will not until the handler returns, so that one fails.
  static std::atomic<uintptr_t> owner{0};
  uintptr_t self = thread_pointer();
  if (!g_signal_lock.try_lock()) {
    if (!blocking && owner.load(std::memory_order_relaxed) == self) {
      errno = ENOMEM;
      return nullptr;
    }
    g_signal_lock.lock();
  }
  owner.store(self, std::memory_order_relaxed);
  if (!g_signal_heap) {
    LockGuard g(g_heaps_lock);
    g_signal_heap = heap_new(1);  // never a real thread: never orphaned
  }
  void* p = g_signal_heap ? heap_malloc_class_guarded(g_signal_heap, cls) : nullptr;
  owner.store(0, std::memory_order_relaxed);
  g_signal_lock.unlock();
  if (!p) errno = ENOMEM;
  return p;
}
}  // namespace

void* heap_malloc_class(Heap* heap, unsigned cls) noexcept {
  if (PM_UNLIKELY(heap == &g_reentry_heap)) return shared_malloc(cls, false);
  if (PM_UNLIKELY(heap == &g_exited_heap)) return shared_malloc(cls, true);
  ReentryGuard guard;
  return heap_malloc_class_guarded(heap, cls);
}

namespace {


// In line in heap_malloc_class (the path of every pool block above kDirectMax) and in the
// shared heap's allocation.
PM_INLINE void* heap_malloc_class_guarded(Heap* heap, unsigned cls) noexcept {
  drain_remote(heap);
  if ((++heap->slow_calls & 15) == 0) heap_tick(heap);  // reading the clock costs: not always
  PageQueue& q = heap->queues[cls];
  Page* page = q.first;
  while (page) {
    if (page->free) break;
    if (page->local_free) {  // take back our own frees
      page->free = page->local_free;
      page->local_free = nullptr;
      break;
    }
    if (page->capacity < page->reserved) {
      page_extend(page);
      break;
    }
    // Full: out of the queue until one of its blocks comes back.
    queue_remove(heap, cls, page);
    page->state = PageState::kFull;
    page->full_used = page->used;
    page->used = 1;
    page = q.first;
  }
  if (!page) {
    heap_tick(heap);
    page = page_fresh(heap, cls);
    if (!page) {
      errno = ENOMEM;
      return nullptr;
    }
    page_extend(page);
    queue_push_front(heap, cls, page);
  }
  Block* b = page->free;
  Block* next = link_next_checked(page, b);
  // Off the inline fast path (blocks above kDirectMax, and the first block after a refill),
  // reuse is checked: every block on a free list carries its heap's key, so one without it
  // was written after its free or by an overflow of the block before it (which then also
  // reached the link: heap_reuse_damaged tells the two apart).
  if (PM_UNLIKELY(b->key != reinterpret_cast<uintptr_t>(heap))) heap_reuse_damaged(page, b, next);
  page->free = next;
  return hand_out(page, b);
}
}  // namespace

void* heap_malloc_slow(Heap* heap, size_t size) noexcept {
  if (PM_UNLIKELY(heap == &g_empty_heap)) {
    heap = heap_get_or_init();
    if (!heap) {
      errno = ENOMEM;
      return nullptr;
    }
  }
  unsigned cls = size_class(size);
  void* p = heap_malloc_class(heap, cls);
  page_restore_direct(heap, cls, size);  // after a drain request (heap_request_drain)
  return p;
}

// ---- free -----------------------------------------------------------------------------------

void heap_reuse_damaged(const Page* page, Block* b, const Block* next) noexcept {
  if (!link_in_page(page, next)) link_corrupt(b);  // always aborts: the list is lost
  report_misuse(Misuse::kWriteAfterFree, b, "malloc");
  // warn mode: the link is sound, so the block can still be handed out
}

void link_corrupt(const Block* b) noexcept {
  report_misuse(Misuse::kCorruptLink, b, "malloc");  // always aborts
  abort();
}

void heap_free_not_live(Page* page, Block* b) noexcept {
  ReentryGuard guard;
  if (page_block_valid(page, b)) {
    report_misuse(Misuse::kDoubleFree, b, "free");  // a block start that is free already
    return;
  }
  heap_free_slow(b);  // an interior pointer, or outside the carved blocks: reports which
}

void heap_page_unused(Heap* heap, Page* page) noexcept {
  ReentryGuard guard;
  // The fast free reached 0 without a guard: a signal handler that ran before this one
  // took may have reused the page (or retired it). Then it is no longer unused.
  if (PM_UNLIKELY(page->used != 0 || page->heap != heap || page->current ||
                  page->state == PageState::kFree))
    return;
  if (page->state == PageState::kFull) {
    page->state = PageState::kQueued;
    page->used = page->full_used - 1;
    queue_push_back(heap, page->class_idx, page);  // current (+1) if its queue was empty
    if (page->used != 0) return;
  }
  if (page_keep_spare(heap, page)) return;
  page_retire(heap, page, os::now_ms());
}

namespace {
// A free landed in the heap of an exited thread: service that heap now (take its remote
// frees, retire what became empty), so the memory does not wait for a new thread to adopt
// the heap. Whoever holds the servicing flag does it; the others just leave their frees.
PM_NOINLINE void service_orphan(Heap* h) noexcept {
  uint32_t idle = 0;
  if (!h->servicing.compare_exchange_strong(idle, 1, std::memory_order_acquire)) return;
  if (__atomic_load_n(&h->orphaned, __ATOMIC_ACQUIRE) && !h->dead) {
    // Pages whose blocks are all back retire, the current pages too; the heap keeps its
    // share of free pages (none once the allocator is far over its dirty budget) for the
    // thread that adopts it (heap_over_budget).
    ReentryGuard guard;
    PurgeScope scope(h, PurgePolicy::kFarOverOnly);
    drain_remote(h);
  }
  h->servicing.store(0, std::memory_order_release);
}
}  // namespace

namespace {
// A live heap whose remote queue has grown this much since its owner last drained it asks
// the owner to drain: its direct table is pointed at g_empty_page, so the owner's next
// small malloc of each class takes the slow path, which drains the queue. An owner that
// only takes fast paths (a main thread that filled a table and now creates and joins
// workers that free it) would otherwise hold every block its workers freed: larson's main
// thread held 8 MB of them for a third of the run.
constexpr uint32_t kDrainRequestPushes = 4096;

PM_NOINLINE void heap_request_drain(Heap* h) noexcept {
  for (Page*& d : h->direct) __atomic_store_n(&d, &g_empty_page, __ATOMIC_RELAXED);
}
}  // namespace

void heap_free_remote(Page* page, Block* b) noexcept {
  Heap* owner = page->heap;
  if (PM_UNLIKELY(owner == nullptr)) {  // the page is free: b was never handed out
    report_misuse(Misuse::kDoubleFree, b, "free");
    return;
  }
  // The fast path tested only the granule; the block start is checked here, before b is
  // written. Whether b is still live only the owner's drain can tell (the map is its own).
  if (PM_UNLIKELY(!page_block_valid(page, b))) return heap_free_slow(b);
  if (PM_UNLIKELY(owner == PM_PROF_READ(prof::g_heap)) && prof::on_free_pool(b)) return;  // a sampled block
  if (PM_UNLIKELY(tl_heap == &g_empty_heap) && __atomic_load_n(&owner->thread, __ATOMIC_RELAXED) == 0 &&
      adopt_on_free(owner))
    return heap_free_block(page, b);  // the owner's free now
  uintptr_t head = owner->remote.load(std::memory_order_relaxed);
  do {
    link_set_raw(b, head);
  } while (!owner->remote.compare_exchange_weak(head, reinterpret_cast<uintptr_t>(b),
                                                std::memory_order_release,
                                                std::memory_order_relaxed));
  if (PM_UNLIKELY(__atomic_load_n(&owner->thread, __ATOMIC_RELAXED) == 0)) return service_orphan(owner);
  uint32_t pushes = owner->remote_pushes.load(std::memory_order_relaxed) + 1;
  owner->remote_pushes.store(pushes, std::memory_order_relaxed);
  if (PM_UNLIKELY(pushes % kDrainRequestPushes == 0)) heap_request_drain(owner);
}

void heap_free_slow(void* p) noexcept {
  if (p == nullptr) return;
  uint8_t mv = segmap_get(p);
  if (mv >= kMapPoolMin) {
    Page* page = page_of(p, mv);
    report_misuse(page->block_size ? Misuse::kUnalignedPointer : Misuse::kInvalidPointer, p, "free");
    return;
  }
  if (mv == kMapFree && (reinterpret_cast<uintptr_t>(p) & kSegmentMask) == 0) {
    report_misuse(Misuse::kDoubleFree, p, "free");  // a huge block already given back
    return;
  }
  if (mv == kMapLarge || mv == kMapHuge) {
    if (PM_UNLIKELY(PM_PROF_READ(prof::g_on))) prof::on_free_big(p);  // heap profiler: maybe sampled
    LockedPath locked;  // a signal handler interrupting the locked part must not wait for it
    if (mv == kMapLarge) large_free(p, "free", locked.may_wait);
    else huge_free(p, "free", locked.may_wait);
    return;
  }
  report_misuse(Misuse::kInvalidPointer, p, "free");
}

// ---- heaps ----------------------------------------------------------------------------------

Heap* heap_get_or_init() noexcept {
  Heap* h = tl_heap;
  if (h != &g_empty_heap) return h;
  if (!runtime_init()) return nullptr;
  h = tl_heap;  // initialisation may have allocated, and so created the heap already
  if (h != &g_empty_heap) return h;
  {
    LockGuard g(g_heaps_lock);
    // A new thread takes over the heap of an exited one, with its pages and pending frees.
    h = take_orphan();
    if (h) own_claimed(h);
    else h = heap_new(thread_pointer());
    if (!h) return nullptr;
  }
  install_heap(h);
  return h;
}

Heap* heap_new_detached() noexcept {
  LockGuard g(g_heaps_lock);
  return heap_new(1);  // thread 1: never a real thread
}

void heap_collect(Heap* heap, bool force) noexcept {
  if (heap == &g_empty_heap) return;
  drain_remote(heap);
  heap_purge(heap, os::now_ms(), force);
}

void heap_thread_exit(Heap* heap) noexcept {
  if (heap == &g_empty_heap || heap == nullptr) return;
  if constexpr (policy::kQuarantineSlots > 0) quarantine_flush(heap);
  drain_remote(heap);
  __atomic_store_n(&heap->thread, uintptr_t{0}, __ATOMIC_RELAXED);
  // The pages stay resident for now: threads come and go, and the next one adopts this
  // heap with its pages (no page faults). Frees that land here later, the decay and the
  // dirty budget of other heaps give the memory back if nobody does.
  {
    PurgeScope scope(heap, PurgePolicy::kKeep);
    heap_release_current(heap, os::now_ms(), true, false);
  }
  // Allocations after this (other keys' destructors, later rounds) come from the shared
  // heap: a heap created now would never see another exit hook and would leak.
  if (tl_heap == heap) tl_heap = &g_exited_heap;
  LockGuard g(g_heaps_lock);
  if (heap->segment_count == 0) {
    registry_remove(heap);
    g_free_heaps.push_front(heap);
  } else {
    // Published last: a thread whose free lands here may service the heap from now on.
    __atomic_store_n(&heap->orphaned, true, __ATOMIC_RELEASE);
    g_orphans.push_front(heap);
  }
}

void heaps_reclaim_orphans(bool all) noexcept {
  // Each orphan at most once per call: one that still owns live blocks goes back to the
  // end of the list and must not be taken again.
  size_t budget = 1;
  if (all) {
    LockGuard g(g_heaps_lock);
    budget = 0;
    for (Heap* h = g_orphans.first; h; h = h->orphan_next) ++budget;
  }
  for (; budget > 0; --budget) {
    Heap* h;
    {
      LockGuard g(g_heaps_lock);
      h = take_orphan();  // claimed: nobody else touches it until it is back
      if (!h) return;
    }
    drain_remote(h);
    // Pages that became empty went back to their segments in the drain; release the
    // current pages that are empty too. Their memory goes back after the decay (at once
    // for malloc_trim), not here: threads come and go, and so would the page faults.
    uint64_t now = os::now_ms();
    heap_release_current(h, now, true, all);
    heap_purge(h, now, all);
    {
      LockGuard g(g_heaps_lock);
      if (h->segment_count == 0 && h->remote.load(std::memory_order_acquire) == 0) {
        registry_remove(h);
        g_free_heaps.push_front(h);
      } else {  // back at the end, so the next reclaim looks at another one first
        g_orphans.push_back(h);
        __atomic_store_n(&h->orphaned, true, __ATOMIC_RELEASE);
      }
      h->servicing.store(0, std::memory_order_release);
    }
  }
}

void heaps_for_each(void (*fn)(Heap*, void*), void* arg) noexcept {
  LockGuard g(g_heaps_lock);
  for (Heap* h = g_registry.first; h; h = h->reg_next) fn(h, arg);
}

void heaps_fork_prepare() noexcept { g_heaps_lock.lock(); }
void heaps_fork_parent() noexcept { g_heaps_lock.unlock(); }
void heaps_fork_child() noexcept {
  g_heaps_lock.reset();
  g_signal_lock.reset();
  // Only the forking thread survives. The other threads' heaps may have been in the
  // middle of an update, so they are never used again: their blocks can still be freed
  // (the frees are queued to the dead heap and never reused).
  uintptr_t self = thread_pointer();
  for (Heap* h = g_registry.first; h; h = h->reg_next) {
    if (h->thread != 0 && h->thread != self && h->thread != 1) {  // 1: signal, detached heaps
      h->dead = true;
      __atomic_store_n(&h->thread, uintptr_t{0}, __ATOMIC_RELAXED);
    }
  }
}

}  // namespace pm
