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
// A pool block freed and zeroed, its freed record written: into the quarantine.
void quarantine_put(void* p) noexcept;
// The requested size of a live pool block (reports and returns false when its record
// or canary is damaged or the block is free).
bool hardened_live_size(void* p, Page* page, const char* where, size_t* size) noexcept;
// Frees every block the heap's quarantine holds (thread exit, malloc_trim).
void quarantine_flush(Heap* heap) noexcept;

PM_INLINE void* hardened_alloc(size_t size, rec::Tag tag) {
  if (PM_UNLIKELY(size > kDirectMax - rec::kRecordBytes)) return hardened_alloc_any(size, tag);
  size_t need = size + rec::kRecordBytes;
  void* p = heap_malloc_small(need);
  if (PM_UNLIKELY(!p)) return nullptr;
  static_cast<Block*>(p)->next = nullptr;  // the link word (the key word is cleared already)
  rec::write_live(p, kBlockSize[kDirectClass[(need + 15) >> 4]], size, tag);
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
        // Only the request and its canary were ever written: the rest is zero still.
        memset(p, 0, have + rec::canary_len(bs, have));
        rec::write_freed_k(p, bs, k);
        return quarantine_put(p);
      }
    }
  }
  hardened_free_checked(p, size, op, where);  // null, large, huge, foreign or damaged
}

}  // namespace pm
