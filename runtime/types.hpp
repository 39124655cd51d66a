// The allocator's core structs and their invariants, in one place. Each layer's functions
// live in their own files (segment.hpp, heap.hpp, page.hpp, large.cpp, backend.cpp); the
// data they share and the rules that keep it consistent are here. Every list is a List
// (list.hpp) over link fields of the element itself.
//
//   Block        a free pool block: link + freed key
//   Page         one size class's blocks in a slice run of a pool segment
//   Segment      a 4 MiB pool segment: its Page array and live map, then the blocks
//   Heap         a thread's heap: direct table, page queues, remote frees, free pages
//   UnitMeta, LargeSegment, LargeArena    the free-list arena for large blocks
//   FreeSpan, TailTag                     the backend's free address space
//
// Debug builds (`make DEBUG=1`) check the invariants marked below with PM_ASSERT.
#pragma once
#include <atomic>

#include "config.hpp"
#include "list.hpp"
#include "lock.hpp"
#include "policy.hpp"
#include "size_classes.hpp"

namespace pm {

// ---- pool blocks and pages --------------------------------------------------------------

struct Heap;

// A free block: the link of the list it is on, and a key: free blocks of a page carry their
// heap's address there, so malloc can tell a block written after its free (the key or
// the link damaged) when it takes it back. Whether a block is live or free is not read from
// the block but from its segment's live map (livemap.hpp): a bit per 16-byte granule, set
// exactly while the block starting there is handed out. (The hardened variant clears the
// key when it hands a block out; its records say live or freed.)
struct Block {
  Block* next;
  uintptr_t key;
};

enum class PageState : uint8_t { kFree, kQueued, kFull };

// Hardened variant with zero_on_free: what a page slot's memory beyond its carved blocks
// holds, so that carving zeroes only what is not zero already (page.cpp, page_extend).
enum : uint8_t {
  kContentUnknown = 0,  // anything (a reused segment, a page carved only in part)
  kContentZero,         // all zero: fresh from the OS or purged
  kContentSparse,       // zero but for the blocks of old_block_size: their link and key
                        // words and their freed record (every block was zeroed at free)
};

// One page serves one size class. Field order: the first 48 bytes are all the fast paths
// touch. Allocation pops `free`; frees by the owner go to `local_free`.
//
// Invariants:
// - `used` counts the blocks handed out (those in a remote queue included), plus one
//   while the page is the current page of its class (`current`: the first in its queue),
//   so the current page never drops to 0 and a malloc/free loop stays on the fast paths;
//   any other page reaches 0 exactly when every block is back and is retired, except the
//   spare: a page that empties while it and the current page are its queue's only pages
//   stays queued, second, with its blocks carved (a batch that spans two pages would
//   otherwise retire one and carve a fresh one each round). It counts against the heap's
//   dirty share while it waits (spare_bytes) and the decay releases it like an empty
//   current page.
// - While a page is full and out of its queue (kFull), `used` is parked at 1 (the real
//   count is in full_used), so the first free lands in the slow path, which puts the page
//   back into its queue.
// - A free page (kFree) has block_size 0 and div_magic 0 (no pointer passes its alignment
//   test), is on no queue, and is on its heap's dirty list exactly when `dirty`.
// - next/prev link a queued page into its class queue, or a free page into the dirty
//   list; never both.
struct alignas(128) Page {
  Block* free;
  Block* local_free;
  Heap* heap;
  uintptr_t area;        // address of the first block
  uint64_t div_magic;    // ceil(2^64 / block_size): (offset * magic) < magic iff a multiple
  uint32_t used;
  uint32_t block_size;   // 0 while the page is free
  uint32_t capacity;     // blocks carved into lists so far (carving is lazy)
  uint32_t reserved;     // blocks that fit in the page
  uint32_t full_used;
  uint8_t class_idx;
  PageState state;
  uint8_t slot;          // index in the segment's pages[]
  bool dirty : 1;        // free page whose memory is still resident
  bool current : 1;      // first in its queue: `used` carries the +1
  bool spare : 1;        // empty, second in its queue, kept carved (heap's spare_bytes)
  bool guarded : 1;      // hardened variant: the slot's last OS page is PROT_NONE
  Page* next;            // class queue, or the heap's list of dirty free pages
  Page* prev;
  uint64_t freed_at;     // when it became free or empty (ms)
  // Hardened variant only (kContent*): never read by the default build.
  uint32_t old_block_size;  // kContentSparse: the block size the slot held last
  uint8_t content;
};
static_assert(sizeof(Page) == 128);

enum class SegmentKind : uint8_t { kSmall, kMedium, kLarge };

// The page array comes first, so a page's address is the segment base OR its slot * 128.
// The upper half of the header slice holds the segment's live map (livemap.hpp).
// Invariants: page_count is the number of pages not kFree; free_slots has a bit exactly
// for the free slots that can start a page; in_avail iff the segment is on its heap's
// avail list iff free_slots != 0 (while the segment has an owner).
struct Segment {
  Page pages[kSlicesPerSegment];
  SegmentKind kind;
  uint16_t page_count;      // pages in use
  uint64_t free_slots;      // bit per page slot that is free
  Segment* next;            // heap's segments with free slots
  Segment* prev;
  Segment* all_next;        // registry of every live segment (statistics, heap walk)
  Segment* all_prev;
  bool in_avail;
  uint8_t registry_epoch;   // the registry it was added to (see segment_locks_reset)
};
static_assert(sizeof(Segment) <= kSliceSize);

// ---- thread heaps -----------------------------------------------------------------------

// When a heap's free pages go back to the OS beyond the decay (page.cpp, heap_over_budget).
enum class PurgePolicy : uint8_t {
  kBudget,       // the thread's own work: past the heap's share or the global budget
  kKeep,         // thread exit: kept resident for the thread that adopts the heap
  kFarOverOnly,  // serviced for an exited thread: past the heap's share (not the global
                 // budget, unless the allocator is far over it); emptied current pages retire
};

using PageQueue = List<Page>;     // a class's pages; the first is the current page
using DirtyPages = List<Page>;    // free pages still resident, oldest first
using SegmentList = List<Segment>;

// The hardened variant's per-thread state (one slot in the default build, never used).
// slots is 0 in the sentinel heaps (g_empty_heap ...) and with quarantine=0, so a free
// there goes straight back to its page; both generators are seeded by heap_new.
struct HeapHardening {
  uint32_t slots;     // quarantine slots in use (options' `quarantine`, at most kQuarantineMax)
  uint64_t rng;       // carving order (xorshift64*)
  uint64_t qrng;      // quarantine slot choice (a 64-bit LCG, its high half)
  void* quarantine[policy::kQuarantineMax ? policy::kQuarantineMax : 1];
};

// Invariants:
// - direct[i] is the first page of the queue of the class serving size 16 * i, or
//   g_empty_page when that queue is empty or another thread asked the owner to drain its
//   remote queue (heap_request_drain: the class's next small malloc takes the slow path,
//   which drains and sets direct[i] again); active has a bit exactly for non-empty queues.
//   Other threads store to direct only that way, and every access to it is atomic.
// - page_bytes sums the slot bytes of the heap's pages that serve a class; dirty_bytes
//   those of the pages on `dirty`.
// - Only the owner thread (or the one servicing the heap while it has none, `servicing`)
//   touches anything but `remote`.
struct Heap {
  // direct[(size + 15) / 16] is the page that serves `size` now (g_empty_page when none),
  // so a small malloc is two loads before the pop. Keep it first.
  Page* direct[kDirectSlots];
  PageQueue queues[kClassCount];
  // Blocks freed by other threads: a lock-free stack of tagged pointers (bit 0 marks a
  // block whose free looked like a second free and must be checked before reuse).
  alignas(64) std::atomic<uintptr_t> remote;
  // Blocks pushed onto `remote` since the owner last drained it, counted by the pushers
  // with a plain load and store (a lost update only delays a drain request).
  std::atomic<uint32_t> remote_pushes;
  alignas(64) uintptr_t thread;     // owner's thread pointer; 0 while orphaned
  SegmentList avail[2];             // segments with free page slots: small, medium
  DirtyPages dirty;                 // free pages still resident, oldest first
  uint64_t active[2];               // classes with a non-empty queue (bit per class)
  uint64_t next_tick_ms;            // next time the slow path applies the decay
  size_t page_bytes;                // bytes of the heap's pages that serve a class
  size_t dirty_bytes;               // bytes of its free pages still resident
  size_t spare_bytes;               // bytes of its spare pages (kept within the dirty share)
  // Extra dirty allowance earned by purging pages and then faulting fresh ones in soon
  // after (page.cpp): a heap that churns keeps more, an idle one only its share.
  size_t dirty_boost;
  uint64_t budget_purge_ms;         // last purge for the dirty budget
  uint64_t regret_ms;               // last fresh page faulted in soon after such a purge
  uint32_t slow_calls;
  uint32_t segment_count;
  uint32_t id;
  uint8_t large_arena;
  bool dead;                        // fork child: belongs to a thread that no longer exists
  bool orphaned;                    // on the orphan list (written under the heaps lock)
  PurgePolicy purge;                // kBudget but while serviced for or by an exiting thread
  // Held by whoever services the heap while its thread is gone: the thread that adopts it,
  // the reclaim of orphans, or a thread whose free landed in it (see heap_free_remote).
  std::atomic<uint32_t> servicing;
  Heap* reg_next;                   // registry of all heaps
  Heap* reg_prev;
  Heap* orphan_next;                // the orphan list, or the list of unused heap storage
  Heap* orphan_prev;
  HeapHardening hardened;
};

// ---- large blocks (large.cpp) ------------------------------------------------------------

constexpr size_t kUnit = 4096;  // large spans are whole units
constexpr unsigned kUnitsPerSegment = kSegmentSize / kUnit;  // 1024
constexpr unsigned kLargeBins = 64;

enum : uint8_t { kUnitNone = 0, kUnitFree = 1, kUnitUsed = 2 };

// Per 4 KiB unit of a large segment. Invariants: the first and last unit of every span
// carry its length and state (start_state / end_state); every other unit is kUnitNone, so
// a pointer into the middle of a span is recognised as invalid. A free span is on the bin
// list of its length (`bin`), and on its arena's dirty list iff dirty != 0.
struct UnitMeta {
  uint32_t len;
  uint8_t start_state;
  uint8_t end_state;
  uint8_t bin;
  uint32_t dirty;   // free span: units of it that may be resident (0: on no dirty list)
  uint64_t freed_at;
  UnitMeta* next;   // size-bin list
  UnitMeta* prev;
  UnitMeta* dnext;  // resident free spans, oldest first
  UnitMeta* dprev;
};

struct LargeSegment {
  uint8_t arena;
  uint8_t pad[7];
  LargeSegment* next;  // the arena's segments (the heap walk visits them)
  LargeSegment* prev;
  // Bit per unit that may be resident while free: set when a block is freed, cleared when
  // a block is handed out or its span purged. Free spans count their dirty memory from it,
  // so the dirty budget sees what is really resident, not the size of merged spans.
  uint64_t resident[kUnitsPerSegment / 64];
  UnitMeta units[kUnitsPerSegment];
};

// One shard of the large arena. Invariants: bin_mask has a bit exactly for non-empty
// bins; free_bytes sums the free spans, clean_bytes the part known not to be resident.
struct LargeArena {
  Lock lock;
  uint64_t bin_mask;
  List<UnitMeta> bins[kLargeBins];
  List<UnitMeta, &UnitMeta::dnext, &UnitMeta::dprev> dirty;  // resident free spans, oldest first
  LargeSegment* spare;  // one entirely free segment kept mapped for the next request
  List<LargeSegment> segments;  // the heap walk visits them
  size_t segment_count;
  std::atomic<void*> deferred;  // frees that could not take the lock (signal handlers)
  size_t clean_bytes;   // free bytes known not to be resident (fresh or purged)
  size_t allocated;
  size_t free_bytes;
  size_t mapped;
  size_t blocks;
  // A fork child whose parent forked in the middle of this arena's update: its lists are
  // never trusted again. Its blocks stay readable; frees of them are dropped (deferred
  // forever) and new blocks come from the other arenas.
  bool quarantined;
};

// ---- the backend's free address space (backend.cpp) -------------------------------------

// A free span of whole segments. The first segment starts with this record, the last one
// carries a TailTag pointing back at it, and the segment map marks both kMapFree, so a
// released span finds its free neighbours in O(1). Invariants: free spans never touch (a
// free span's neighbours are in use or not ours); a clean span (dirty 0) reads as zero
// except its record page and its tag page; every free span is on the bin of its length
// and on the age list.
struct FreeSpan {
  size_t segs;
  uint64_t freed_at;
  FreeSpan* next;  // bin list
  FreeSpan* prev;
  FreeSpan* anext;  // age list, oldest first
  FreeSpan* aprev;
  size_t dirty;  // bytes of the span that may be resident (0: clean, reads as zero)
  uint8_t bin;
};
struct TailTag {
  FreeSpan* head;
};

}  // namespace pm
