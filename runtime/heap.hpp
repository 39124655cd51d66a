// The per-thread heap: page queues per size class, a direct table from small sizes to the
// current page, the queue of frees sent by other threads, and the fast paths.
#pragma once
#include <atomic>

#include "link.hpp"
#include "livemap.hpp"
#include "policy.hpp"
#include "segment.hpp"
#include "size_classes.hpp"

namespace pm {

extern Page g_empty_page;  // never has free blocks: a miss sends malloc to the slow path
extern Heap g_empty_heap;  // tl_heap before the thread's first allocation
// tl_heap while the thread is inside the allocator. A signal handler that allocates then
// finds this heap: its direct table is empty, so its mallocs go to a separate, locked
// signal heap, and its frees go through the owners' atomic remote queues. The interrupted
// code's lists are never touched by the handler.
extern Heap g_reentry_heap;
// tl_heap of a thread whose exit hook has run: its last allocations (in later destructors)
// come from the shared heap instead of reviving a heap of its own.
extern Heap g_exited_heap;

// Registered heaps (live and orphaned): the heaps share the pool's dirty allowance.
extern std::atomic<uint32_t> g_heap_count;

// Hardened variant: options' zero_on_free, copied once at start-up (runtime_init), before
// any block exists; the default build never reads it.
extern bool g_zero_on_free;

extern constinit thread_local Heap* tl_heap __attribute__((tls_model("initial-exec")));

// Marks the thread as inside the allocator for the scope (see g_reentry_heap).
struct ReentryGuard {
  Heap* saved;
  ReentryGuard() : saved(tl_heap) {
    tl_heap = &g_reentry_heap;
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  ~ReentryGuard() {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    tl_heap = saved;
  }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;
};

// False inside a signal handler that interrupted the allocator: locks the interrupted code
// may hold must not be waited for.
inline bool may_wait() { return tl_heap != &g_reentry_heap; }

// Entering a locked path (a large arena, the huge table): whether this call may wait for
// the lock, and the mark that tells a signal handler interrupting it not to.
struct LockedPath {
  bool may_wait = pm::may_wait();
  ReentryGuard guard;
};

inline uintptr_t thread_pointer() { return reinterpret_cast<uintptr_t>(__builtin_thread_pointer()); }

// Slow paths (heap.cpp).
void* heap_malloc_slow(Heap* heap, size_t size) noexcept;
void* heap_malloc_class(Heap* heap, unsigned cls) noexcept;  // pool class, any size up to kPoolMax
void heap_free_slow(void* p) noexcept;
// A block about to be reused lost its freed key or its link: reports it (heap.cpp).
PM_COLD void heap_reuse_damaged(const Page* page, Block* b, const Block* next) noexcept;
// A free of the owner's page whose live bit was clear: a block freed already (or never
// handed out), or a pointer that is no block start. Reports which.
PM_COLD void heap_free_not_live(Page* page, Block* b) noexcept;
// `used` reached 0: a full page goes back to its queue, an empty one is retired.
void heap_page_unused(Heap* heap, Page* page) noexcept;
void heap_free_remote(Page* page, Block* b) noexcept;
void heap_collect(Heap* heap, bool force) noexcept;
void heap_tick(Heap* heap) noexcept;  // apply the decay if its time has come
Heap* heap_get_or_init() noexcept;  // the calling thread's heap (created on first use), or nullptr
void heap_thread_exit(Heap* heap) noexcept;
// A registered heap that belongs to no thread (the heap profiler's): used under its
// owner's lock, never orphaned, kept alive in a fork child.
Heap* heap_new_detached() noexcept;
void heaps_fork_prepare() noexcept;
void heaps_fork_parent() noexcept;
void heaps_fork_child() noexcept;
// Service orphaned heaps (exited threads): take remote frees, give empty pages back.
void heaps_reclaim_orphans(bool all) noexcept;
// Calls fn for every registered heap under the registry lock (statistics).
void heaps_for_each(void (*fn)(Heap*, void*), void* arg) noexcept;

// ---- fast paths ---------------------------------------------------------------------------

// Block b of page is handed out: counted and marked live (every pop ends here).
PM_INLINE Block* hand_out(Page* page, Block* b) {
  page->used++;
  live_mark(b);
  if constexpr (policy::kBlockRecords) b->key = 0;  // hardened: handed out zeroed
  return b;
}

// The end of both inline pops: b (the head of page's list, checked by the caller) is
// taken, the guard set by the caller ends, and b is handed out.
// The new head is prefetched for writing: a block that waited on a page list is usually
// cold, and the next pop of the class loads its link and its caller writes it. Fetched
// now, that miss overlaps the caller's work instead of stalling the next malloc (a
// prefetch never faults, so a damaged or null link costs nothing).
PM_INLINE Block* pop_finish(Heap* heap, Page* page, Block* b) {
  Block* next = link_next_checked(page, b);
  page->free = next;
  __builtin_prefetch(next, 1);
  if constexpr (policy::kEncodeLinks) {  // hardened: the freed key is checked on every reuse
    if (PM_UNLIKELY(b->key != reinterpret_cast<uintptr_t>(heap))) heap_reuse_damaged(page, b, nullptr);
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tl_heap = heap;
  return hand_out(page, b);
}

// Between the two stores to tl_heap a signal handler that allocates is sent elsewhere, so
// the pop and the push below are never interleaved with the handler's own. What follows
// the second store touches only the block just taken or is a single read-modify-write.
// Slow: where a miss goes (the entry layer passes its own, which retries out of memory).
template <void* (*Slow)(Heap*, size_t) noexcept = heap_malloc_slow>
PM_INLINE void* heap_malloc_small(size_t size) {
  Heap* heap = tl_heap;
  tl_heap = &g_reentry_heap;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  Page* page = __atomic_load_n(&heap->direct[(size + 15) >> 4], __ATOMIC_RELAXED);
  Block* b = page->free;
  if (PM_UNLIKELY(b == nullptr)) {
    // The page's own frees come back here without the slow path; their first block is
    // checked for its freed key as the slow path would (one without it goes there and is
    // reported). g_empty_page has neither list.
    b = page->local_free;
    if (PM_UNLIKELY(b == nullptr || b->key != reinterpret_cast<uintptr_t>(heap))) {
      tl_heap = heap;
      return Slow(heap, size);
    }
    page->local_free = nullptr;
  }
  return pop_finish(heap, page, b);
}

// Pool blocks above kDirectMax: a free block of the first page in the class's queue, or
// nullptr for heap_malloc_class to find one (the sentinel heaps' queues are empty, so they
// always go there). Guarded as heap_malloc_small. A block without its heap's freed key is
// left for heap_malloc_class, which reports it.
PM_INLINE void* heap_malloc_queued(unsigned cls) {
  Heap* heap = tl_heap;
  tl_heap = &g_reentry_heap;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  Page* page = heap->queues[cls].first;
  if (PM_UNLIKELY(page == nullptr)) {
    tl_heap = heap;
    return nullptr;
  }
  Block* b = page->free;
  Block** from = &page->free;
  if (b == nullptr) {  // the page's own frees, as in heap_malloc_small
    b = page->local_free;
    from = &page->local_free;
  }
  if (PM_UNLIKELY(b == nullptr || b->key != reinterpret_cast<uintptr_t>(heap))) {
    tl_heap = heap;
    return nullptr;
  }
  *from = nullptr;
  return pop_finish(heap, page, b);
}

// The owner's push onto local_free, atomic with respect to a signal handler on the same
// thread: the handler may push there too or take the list (a refill), so the head is
// swapped in with one compare-and-exchange, retried when the handler changed it. It needs
// no lock prefix (only this thread writes the list) and, unlike a pop, is not exposed to
// ABA: the link written before the swap is right whenever the head still matches.
PM_INLINE void local_free_push(Page* page, Block* b) {
#if defined(__x86_64__)
  Block* head = page->local_free;
  bool swapped;
  do {
    link_set(b, head);
    __asm__ volatile("cmpxchgq %[b], %[list]"
                     : [list] "+m"(page->local_free), "+a"(head), "=@ccz"(swapped)
                     : [b] "r"(b)
                     : "memory");
  } while (PM_UNLIKELY(!swapped));
#else  // elsewhere: a signal handler is sent to the remote queues for the push
  Heap* heap = tl_heap;
  tl_heap = &g_reentry_heap;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  link_set(b, page->local_free);
  page->local_free = b;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tl_heap = heap;
#endif
}

// No guard: every step a signal handler could interleave with is atomic with respect to
// it. The checks read only this page; the live bit is taken with one read-modify-write
// instruction, so a handler that frees or allocates a neighbour loses nothing; b is in use
// (counted in `used`), so the page can neither be retired nor change hands under the
// handler; the push is above; the count is one read-modify-write. A handler may reuse the page between the count
// reaching 0 and heap_page_unused, which therefore looks again under its guard.
// heap_free_block: the second half, for a block known to be one of page's (the hardened
// quarantine's eviction starts there).
PM_INLINE void heap_free_block(Page* page, Block* b) {
  Heap* heap = tl_heap;
  if (PM_UNLIKELY(page->heap != heap)) return heap_free_remote(page, b);  // atomic: no guard
  if (PM_UNLIKELY(!live_take(b))) return heap_free_not_live(page, b);
  b->key = reinterpret_cast<uintptr_t>(heap);
  local_free_push(page, b);
  if (PM_UNLIKELY(--page->used == 0)) heap_page_unused(heap, page);
}

// Blocks start on 16-byte granules (a pointer off one goes to the slow path with the
// pointers of other kinds); which granule starts a live block the live map tells
// (heap_free_block), and a remote free checks the block start itself.
PM_INLINE void heap_free(void* p) {
  uint8_t mv = segmap_get_granule(p);
  if (PM_UNLIKELY(mv < kMapPoolMin)) return heap_free_slow(p);
  heap_free_block(page_of(p, mv), static_cast<Block*>(p));
}

}  // namespace pm
