// A per-process random secret (the hardened variant keys block records and free-list
// links with it) and a small per-thread random generator seeded from it.
#pragma once
#include <atomic>
#include <cstdint>

#include "config.hpp"

namespace pm {

extern std::atomic<uint64_t> g_secret;  // 0 until the first use
uint64_t secret_init() noexcept;        // fills g_secret once (every caller sees the same)

PM_INLINE uint64_t secret() {
  uint64_t s = g_secret.load(std::memory_order_relaxed);
  return PM_LIKELY(s != 0) ? s : secret_init();
}

// The secret where it is known to be made: heap_new makes it before the heap has a page,
// so every block, free list and record is keyed after it (the hardened fast paths).
PM_INLINE uint64_t secret_known() { return g_secret.load(std::memory_order_relaxed); }

// xorshift64*: cheap, good enough to pick quarantine slots and shuffle a page's blocks.
PM_INLINE uint64_t rng_next(uint64_t* state) {
  uint64_t x = *state;
  if (PM_UNLIKELY(x == 0)) x = secret() | 1;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

}  // namespace pm
