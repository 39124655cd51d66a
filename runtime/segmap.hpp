// The segment map: one byte per 4 MiB of the 47-bit user address space, telling whether
// poolmalloc owns that segment and as what. It is how a pointer is recognised (or rejected)
// before any of its memory is read. 32 MiB of zero-filled bss that only becomes resident
// where segments live. Platform level: every layer may read it; each segment's owner
// writes its entry.
#pragma once
#include <bit>

#include "config.hpp"

namespace pm {

// For pool segments the value is the mask that turns a slice index into the slot of its
// page (medium pages span eight slices); small values name the other kinds.
enum : uint8_t {
  kMapNone = 0,
  kMapLarge = 1,   // a large-arena segment
  kMapHuge = 2,    // the first segment of a huge block
  kMapFree = 3,    // first or last segment of a free backend span
  kMapMedium = 56, // slot = slice & 0b111000
  kMapSmall = 63,  // slot = slice
  kMapPoolMin = 56,
};

constexpr size_t kSegmapEntries = size_t{1} << (47 - kSegmentShift);
extern uint8_t g_segmap[kSegmapEntries];

// Entry i, or kMapNone past the map.
PM_INLINE uint8_t segmap_entry(uintptr_t i) {
  if (PM_UNLIKELY(i >= kSegmapEntries)) return kMapNone;
  return __atomic_load_n(&g_segmap[i], __ATOMIC_RELAXED);  // entries change under other threads
}

PM_INLINE uint8_t segmap_get(const void* p) {
  return segmap_entry(reinterpret_cast<uintptr_t>(p) >> kSegmentShift);
}

// segmap_get for a pointer that must be 16-byte aligned (a pool block start): kMapNone for
// one that is not. The pointer is rotated by 4 bits first, so a granule offset lands in the
// top bits and fails the same bounds test as an address past the map: one compare for both.
PM_INLINE uint8_t segmap_get_granule(const void* p) {
  return segmap_entry(std::rotr(reinterpret_cast<uintptr_t>(p), 4) >> (kSegmentShift - 4));
}

PM_INLINE void segmap_set(const void* seg, uint8_t value) {
  __atomic_store_n(&g_segmap[reinterpret_cast<uintptr_t>(seg) >> kSegmentShift], value,
                   __ATOMIC_RELEASE);
}

}  // namespace pm
