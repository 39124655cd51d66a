// AddressSanitizer poisoning of arena memory that is not handed out (bump space past the
// current position, popped stack blocks, free pool and free-list blocks), so that ASan
// reports a use after reset/pop/free or an overflow inside an arena. No-ops in other builds.
#pragma once

#include <stddef.h>

#include "poolmalloc_arenas.h"

#if PM_ARENAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace pm::arena_detail {

inline void poison(const void *p, size_t n) {
#if PM_ARENAS_ASAN
  if (p != nullptr && n != 0) __asan_poison_memory_region(p, n);
#else
  (void)p;
  (void)n;
#endif
}

inline void unpoison(const void *p, size_t n) {
#if PM_ARENAS_ASAN
  if (p != nullptr && n != 0) __asan_unpoison_memory_region(p, n);
#else
  (void)p;
  (void)n;
#endif
}

// [begin, end) as a range to poison or unpoison (nothing when empty or reversed).
inline void poison_range(const void *begin, const void *end) {
  if (begin < end) poison(begin, static_cast<size_t>(static_cast<const char *>(end) -
                                                     static_cast<const char *>(begin)));
}
inline void unpoison_range(const void *begin, const void *end) {
  if (begin < end) unpoison(begin, static_cast<size_t>(static_cast<const char *>(end) -
                                                       static_cast<const char *>(begin)));
}

// Whether n bytes at p may be read (always true without ASan): lets a check of a foreign
// or stale pointer report an error code instead of tripping over poisoned free space.
inline bool readable(const void *p, size_t n) {
#if PM_ARENAS_ASAN
  return __asan_region_is_poisoned(const_cast<void *>(p), n) == nullptr;
#else
  (void)p;
  (void)n;
  return true;
#endif
}

}  // namespace pm::arena_detail
