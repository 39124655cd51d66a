// The live map of a pool segment: one bit per 16-byte granule of the segment, in the upper
// half of its header slice. A bit is set exactly while the block that starts at that
// granule is handed out: malloc sets it, the owner's free (or its drain of frees other
// threads sent) clears it. So free can tell a live block from a freed one, an interior
// pointer or a block never handed out without reading the block itself, whose line is
// usually cold by the time it is freed.
//
// Only the thread that owns the segment's heap writes the map (another thread's free goes
// to the owner's remote queue untouched), and every write is a single read-modify-write
// instruction, so a signal handler on the owner's thread that allocates or frees in
// between never loses an update. Readers on other threads (block_live, statistics) load
// words atomically.
#pragma once
#include "config.hpp"
#include "types.hpp"

namespace pm {

constexpr uintptr_t kLiveMapOffset = kSliceSize / 2;
constexpr size_t kLiveMapBytes = kSegmentSize / 16 / 8;  // 32 KiB
static_assert(sizeof(Segment) <= kLiveMapOffset, "the map follows the page array");
static_assert(kLiveMapOffset + kLiveMapBytes <= kSliceSize, "the map fits the header slice");

PM_INLINE uint64_t* live_map(uintptr_t segment_base) {
  return reinterpret_cast<uint64_t*>(segment_base + kLiveMapOffset);
}
// The bit of block b: its granule's index in the segment.
PM_INLINE uintptr_t live_index(const void* b) {
  return (reinterpret_cast<uintptr_t>(b) & kSegmentMask) >> 4;
}

// b is handed out (b is a block start of one of the segment's pages).
PM_INLINE void live_mark(void* b) {
  uint64_t* map = live_map(reinterpret_cast<uintptr_t>(b) & ~kSegmentMask);
  uintptr_t i = live_index(b);
#if defined(__x86_64__)
  __asm__ volatile("btsq %[i], %[map]" : [map] "+m"(*reinterpret_cast<uint64_t(*)[kLiveMapBytes / 8]>(map))
                   : [i] "r"(i) : "cc");
#else
  __atomic_fetch_or(&map[i / 64], uint64_t{1} << (i % 64), __ATOMIC_RELAXED);
#endif
}

// b comes back: clears its bit and says whether it was set (false: b was not live).
PM_INLINE bool live_take(void* b) {
  uint64_t* map = live_map(reinterpret_cast<uintptr_t>(b) & ~kSegmentMask);
  uintptr_t i = live_index(b);
#if defined(__x86_64__)
  bool was;
  __asm__ volatile("btrq %[i], %[map]"
                   : [map] "+m"(*reinterpret_cast<uint64_t(*)[kLiveMapBytes / 8]>(map)), "=@ccc"(was)
                   : [i] "r"(i));
  return was;
#else
  uint64_t bit = uint64_t{1} << (i % 64);
  return (__atomic_fetch_and(&map[i / 64], ~bit, __ATOMIC_RELAXED) & bit) != 0;
#endif
}

// Read-only, from any thread: is b handed out?
PM_INLINE bool live_test(const void* b) {
  const uint64_t* map = live_map(reinterpret_cast<uintptr_t>(b) & ~kSegmentMask);
  uintptr_t i = live_index(b);
  return (__atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

}  // namespace pm
