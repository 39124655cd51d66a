// Compile-time hardening policy. The default build and the hardened variant
// (libpoolmalloc-hardened.*, built with -DPM_HARDENED) compile the same sources; every
// check that only the hardened variant makes is behind one of these constants, inside
// `if constexpr`, so the default build carries no branch for it.
#pragma once
#include <cstddef>

namespace pm::policy {

#ifdef PM_HARDENED
inline constexpr bool kHardened = true;
#else
inline constexpr bool kHardened = false;
#endif

// Every pool block carries a record in its last 8 bytes (requested size, how it was
// allocated, keyed with the per-process secret) and canary bytes between the request and
// the record; both are checked on free, realloc and malloc_usable_size. Requests are
// rounded up by the record, so every block has it.
inline constexpr bool kBlockRecords = kHardened;
// Canary bytes checked after the requested size (at most this many; the record follows,
// so an overflow that runs further damages the record instead).
inline constexpr size_t kCanaryBytes = 16;
static_assert(kCanaryBytes <= 16, "canary.hpp writes them as two words");
// Free-list links (the first word of a free block) are stored xor-ed with the secret and
// the link's own address, and checked to stay inside their page when popped.
inline constexpr bool kEncodeLinks = kHardened;
// Fresh blocks of a page are linked in a random order instead of address order.
inline constexpr bool kRandomCarve = kHardened;
// Freed pool blocks wait in a per-thread quarantine, evicted at random, before they can be
// reused. Evicted blocks are checked for writes after free: still zero (their first
// kWriteCheckBytes; with zero_on_free=0 only the link words, kLinkCheckBytes) and still
// carrying the freed record. The option `quarantine` sets the slots per thread at start-up
// (0: off), at most kQuarantineMax; kQuarantineSlots is its default.
inline constexpr size_t kQuarantineSlots = kHardened ? 64 : 0;
inline constexpr size_t kQuarantineMax = kHardened ? 256 : 0;
inline constexpr size_t kWriteCheckBytes = 256;
inline constexpr size_t kLinkCheckBytes = 16;
// Freed pool blocks are zeroed at once (old contents are never readable after free, and
// malloc hands out zeroed memory). The option `zero_on_free=0` clears only the first
// kLinkCheckBytes at free and zeroes the request when a block is handed out instead.
inline constexpr bool kZeroOnFree = kHardened;
// The last OS page of every pool page (slab) is PROT_NONE, so a linear overflow that runs
// off the end of a slab faults instead of reaching the next one.
inline constexpr bool kSlabGuards = kHardened;
// For the backend: guard pages before and after large and huge blocks. The current large
// and huge code does not read it yet; the backend layer that owns every mapping will.
inline constexpr bool kLargeGuards = kHardened;
// Every free validates the block fully (carved part of its page, live record) instead of
// the fast path's alignment test alone.
inline constexpr bool kFullFreeChecks = kHardened;

}  // namespace pm::policy
