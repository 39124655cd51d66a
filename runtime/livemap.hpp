// The live map of a pool segment: one bit per 16-byte granule of the segment, in the upper
// half of its header slice. A bit is set exactly while the block that starts at that
// granule is handed out: malloc sets it, the owner's free (or its drain of frees other
// threads sent) clears it. So free can tell a live block from a freed one, an interior
// pointer or a block never handed out without reading the block itself, whose line is
// usually cold by the time it is freed.
//
// Only the thread that owns the segment's heap writes the map (another thread's free goes
// to the owner's remote queue untouched), and every write is a single read-modify-write
// instruction of one bit's mask, so a signal handler on the owner's thread that allocates
// or frees in between never loses an update. Readers on other threads (block_live, statistics) load
// words atomically.
#pragma once
#include <bit>

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
// The map word that holds b's bit, and the bit in it. The fast paths change the word with
// one read-modify-write of a mask; the bit-string forms of bts/btr (a register offset into
// memory) would do it in one instruction but are microcoded, about ten micro-ops each:
// they cost malloc+free 7% of glibc-thread's time.
PM_INLINE uint64_t* live_word(const void* b) {
  uintptr_t a = reinterpret_cast<uintptr_t>(b);
  return live_map(a & ~kSegmentMask) + ((a & kSegmentMask) >> 10);
}
PM_INLINE uint64_t live_bit(const void* b) {
  // (b >> 4) % 64, written as the rotation heap_free's segment-map lookup computes already.
  return uint64_t{1} << (std::rotr(reinterpret_cast<uintptr_t>(b), 4) % 64);
}

// b is handed out (b is a block start of one of the segment's pages).
PM_INLINE void live_mark(void* b) {
#if defined(__x86_64__)
  __asm__ volatile("orq %[bit], %[word]" : [word] "+m"(*live_word(b)) : [bit] "r"(live_bit(b)) : "cc");
#else
  __atomic_fetch_or(live_word(b), live_bit(b), __ATOMIC_RELAXED);
#endif
}

// b comes back: clears its bit and says whether it was set (false: b was not live). The
// test and the clear are two instructions: a signal handler that runs between them may
// change the word's other bits (the clear is a read-modify-write of b's bit alone), but
// not b's, which only a free of b itself clears.
PM_INLINE bool live_take(void* b) {
  uint64_t* word = live_word(b);
  uint64_t bit = live_bit(b);
#if defined(__x86_64__)
  __asm__ goto("testq %[bit], %[word]\n\tjz %l[not_live]\n\txorq %[bit], %[word]"
               : [word] "+m"(*word) : [bit] "r"(bit) : "cc" : not_live);
  return true;
not_live:
  return false;
#else
  return (__atomic_fetch_and(word, ~bit, __ATOMIC_RELAXED) & bit) != 0;
#endif
}

// Read-only, from any thread: is b handed out?
PM_INLINE bool live_test(const void* b) {
  return (__atomic_load_n(live_word(b), __ATOMIC_RELAXED) & live_bit(b)) != 0;
}

}  // namespace pm
