// Entry points of the hardened variant (policy::kHardened): every pool block carries a
// record (canary.hpp), frees go through a quarantine, freed blocks are zeroed. alloc.hpp
// sends the allocation and free calls here when the policy is on; the default build
// never calls these. The common cases (a direct-size malloc, the free of a sound pool
// block) are inline: the key is computed once and the block size comes from the request;
// everything else, and every report, is out of line in hardened.cpp.
#pragma once
#include <cstring>

#include "canary.hpp"
#include "heap.hpp"

namespace pm {

// malloc / new / new[] of any size (tag says which). Pool sizes get a record; larger ones
// go to the large arena and huge mappings unchanged.
void* hardened_alloc_any(size_t size, rec::Tag tag) noexcept;
// Writes the record of a pool block p just allocated for `size` (aligned allocations).
void* hardened_finish(void* p, size_t size, rec::Tag tag) noexcept;
// free / delete / delete[] with every check and report (op: kMalloc for the C calls,
// kAnyTag for aligned deletes); size: the size a sized call passed, or rec::kUnsized.
void hardened_free_checked(void* p, size_t size, rec::Tag op, const char* where) noexcept;
// The requested size of a live pool block (reports and returns false when its record
// or canary is damaged or the block is free).
bool hardened_live_size(void* p, Page* page, const char* where, size_t* size) noexcept;
// Frees every block the heap's quarantine holds (thread exit, malloc_trim).
void quarantine_flush(Heap* heap) noexcept;
// A quarantined block that was written after its free: reports it (warn mode: frees it).
PM_COLD void quarantine_dirty(void* p) noexcept;

// Zeroes n bytes at the 16-byte aligned p, 8 <= n: up to 128 in line with overlapping
// 8- and 16-byte stores, more through memset.
using Vec16 = uint64_t __attribute__((vector_size(16)));
PM_INLINE void zero_block_bytes(void* p, size_t n) {
  char* c = static_cast<char*>(p);
  if (PM_UNLIKELY(n > 128)) {
    memset(p, 0, n);
    return;
  }
  if (n <= 16) {
    uint64_t z = 0;
    memcpy(c, &z, 8);
    memcpy(c + n - 8, &z, 8);
    return;
  }
  Vec16 z = {0, 0};
  memcpy(c, &z, 16);
  memcpy(c + n - 16, &z, 16);
  if (n > 32) {
    memcpy(c + 16, &z, 16);
    memcpy(c + n - 32, &z, 16);
    if (n > 64) {
      memcpy(c + 32, &z, 16);
      memcpy(c + 48, &z, 16);
      memcpy(c + n - 48, &z, 16);
      memcpy(c + n - 64, &z, 16);
    }
  }
}

// The bytes a quarantined block must still have zero: the first kWriteCheckBytes before
// its record, or with zero_on_free=0 only the first kLinkCheckBytes (all that free clears).
PM_INLINE size_t write_check_end(size_t block_size) {
  size_t end = block_size - rec::kRecordBytes;  // 8 mod 16, at least 8
  size_t limit = PM_LIKELY(g_zero_on_free) ? policy::kWriteCheckBytes : policy::kLinkCheckBytes;
  return end < limit ? end : limit;
}

// Or of the first `end` bytes of the 16-byte aligned p (end: a multiple of 8, at least 8):
// 16-byte loads, four at a time; the 256 bytes of every block that has them in one run.
PM_INLINE uint64_t or_bytes(const void* p, size_t end) {
  const Vec16* v = static_cast<const Vec16*>(__builtin_assume_aligned(p, 16));
  const char* c = static_cast<const char*>(p);
  if (PM_UNLIKELY(end < 16)) {
    uint64_t w;
    memcpy(&w, c, 8);
    return w;
  }
  Vec16 acc;
  memcpy(&acc, c + end - 16, 16);  // the last 16 (8 mod 16: overlaps the ones before)
  if (PM_LIKELY(end >= policy::kWriteCheckBytes)) {
    static_assert(policy::kWriteCheckBytes == 256);
    acc |= (v[0] | v[1] | v[2] | v[3]) | (v[4] | v[5] | v[6] | v[7]);
    acc |= (v[8] | v[9] | v[10] | v[11]) | (v[12] | v[13] | v[14] | v[15]);
  } else {
    size_t n = end / 16, i = 0;
    for (; i + 4 <= n; i += 4) acc |= (v[i] | v[i + 1]) | (v[i + 2] | v[i + 3]);
    for (; i < n; ++i) acc |= v[i];
  }
  return acc[0] | acc[1];
}

// A block leaves the quarantine: it must still be clean (write_check_end) and carry its
// freed record, then it goes back to its page. It was a sound pool block at its free and
// has been nobody's since (a second free finds its freed record), so its page is live.
PM_INLINE void quarantine_evict(void* p) {
  uint8_t mv = segmap_get(p);
  if (PM_UNLIKELY(mv < kMapPoolMin)) return heap_free_slow(p);  // a damaged slot: reported
  Page* page = page_of(p, mv);
  size_t bs = page->block_size;
  uint64_t dirty = *rec::slot(p, bs) ^ (rec::kFreed ^ rec::key(p));
  dirty |= or_bytes(p, write_check_end(bs));
  if (PM_UNLIKELY(dirty != 0)) return quarantine_dirty(p);
  heap_free_block(page, static_cast<Block*>(p));
}

// A pool block freed and cleared, its freed record written, into the quarantine: a slot
// chosen at random (the high half of an LCG, scaled to the slot count without a division)
// takes it and the block it held leaves. No quarantine (quarantine=0, or a sentinel heap:
// a thread that has no heap, or a signal handler inside the allocator): back to its page.
PM_INLINE void quarantine_put(Page* page, void* p) {
  Heap* h = tl_heap;
  uint32_t n = h->hardened.slots;
  if (PM_UNLIKELY(n == 0)) return heap_free_block(page, static_cast<Block*>(p));
  tl_heap = &g_reentry_heap;  // a signal handler's free must not race on the slots
  std::atomic_signal_fence(std::memory_order_seq_cst);
  uint64_t x = h->hardened.qrng * 6364136223846793005ULL + 1442695040888963407ULL;
  h->hardened.qrng = x;
  size_t i = size_t(((x >> 32) * n) >> 32);
  void* victim = h->hardened.quarantine[i];
  h->hardened.quarantine[i] = p;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  tl_heap = h;
  if (victim) quarantine_evict(victim);
}

// What free clears of a sound block: what its owner could write (the request and its
// canary; the rest is zero still), or with zero_on_free=0 only the link words.
PM_INLINE void clear_freed(void* p, size_t block_size, size_t have) {
  if (PM_LIKELY(g_zero_on_free)) return zero_block_bytes(p, have + rec::canary_len(block_size, have));
  Vec16 z = {0, 0};
  static_assert(policy::kLinkCheckBytes == 16);
  memcpy(p, &z, block_size > 16 ? 16 : 8);  // a 16-byte block's second word is its record
}

// A pool block being handed out with zero_on_free=0: its request and canary are zeroed
// (with zero_on_free=1 they are zero already).
PM_INLINE void clear_for_owner(void* p, size_t block_size, size_t size) {
  if (PM_UNLIKELY(!g_zero_on_free)) zero_block_bytes(p, size + rec::canary_len(block_size, size));
}

PM_INLINE void* hardened_alloc(size_t size, rec::Tag tag) {
  if (PM_UNLIKELY(size > kDirectMax - rec::kRecordBytes)) return hardened_alloc_any(size, tag);
  size_t need = size + rec::kRecordBytes;
  void* p = heap_malloc_small(need);
  if (PM_UNLIKELY(!p)) return nullptr;
  static_cast<Block*>(p)->next = nullptr;  // the link word (the key word is cleared already)
  size_t bs = kBlockSize[kDirectClass[(need + 15) >> 4]];
  clear_for_owner(p, bs, size);
  rec::write_live(p, bs, size, tag);
  return p;
}

// delete of new[] or delete[] of new (free, aligned deletes and malloc blocks never are).
PM_INLINE bool rec_kind_mismatch(rec::Tag op, uint8_t tag) {
  return (op == rec::kNew || op == rec::kNewArray) && (tag == rec::kNew || tag == rec::kNewArray) && tag != op;
}

PM_INLINE void hardened_free(void* p, size_t size, rec::Tag op, const char* where) {
  uint8_t mv = segmap_get(p);
  if (PM_LIKELY(mv >= kMapPoolMin)) {
    Page* page = page_of(p, mv);
    if (PM_LIKELY(page_block_valid(page, p))) {
      size_t bs = page->block_size;
      uint64_t k = rec::key(p);
      uint64_t v = *rec::slot(p, bs) ^ k;
      size_t have = size_t(v >> 8);
      if (PM_LIKELY(rec::live_ok(p, bs, v, k) && !rec_kind_mismatch(op, uint8_t(v)) &&
                    (size == rec::kUnsized || size == have))) {
        clear_freed(p, bs, have);
        rec::write_freed_k(p, bs, k);
        return quarantine_put(page, p);
      }
    }
  }
  hardened_free_checked(p, size, op, where);  // null, large, huge, foreign or damaged
}

}  // namespace pm
