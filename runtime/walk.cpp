// The heap walk. Locks are held only while metadata is copied out into buffers on the stack,
// never while the visitor runs, so a visitor that breaks the rules (allocates) gets wrong
// answers rather than a deadlock.
//
// Pool pages: the blocks carved so far ([0, capacity) of the page) less those on the page's
// free and local_free lists, marked in a bitmap on the stack. Blocks sitting in a heap's
// remote queue are freed but not yet back on a page list: they count as live, exactly as
// `used` (and so pm_stats) counts them.
// Large spans: the large segments are listed from the arenas' own segment lists
// (large_list_segments, a window at a time), then each one's spans are read under its
// arena's lock.
// Huge blocks: the huge table, read under its lock.
#include "walk.hpp"

#include <errno.h>
#include <string.h>

#include "huge.hpp"
#include "large.hpp"
#include "link.hpp"
#include "poolmalloc_stats.h"
#include "segment.hpp"

namespace pm {

namespace {
constexpr size_t kMaxPageBlocks = kSliceSize / kMinAlign;  // 4096: a small page of 16 B blocks
constexpr size_t kBatch = 64;                              // blocks copied out per lock hold

// The segments of the registry, copied out so no lock is held during the visits.
constexpr size_t kSegmentBatch = 512;
struct SegmentBatch {
  Segment* segs[kSegmentBatch];
  size_t skip;   // registry entries to pass over (those of earlier batches)
  size_t seen;
  size_t count;
};

void collect_segment(Segment* seg, void* arg) {
  auto* l = static_cast<SegmentBatch*>(arg);
  if (l->seen++ >= l->skip && l->count < kSegmentBatch) l->segs[l->count++] = seg;
}

// Marks the blocks of a free list in the bitmap; false when the list leaves the page
// (a corrupted or changing list: the page is then skipped rather than misreported).
bool mark_list(const Page& pg, const Block* b, uint64_t* bits) {
  for (size_t i = 0; b; ++i, b = link_get(b)) {
    uintptr_t off = reinterpret_cast<uintptr_t>(b) - pg.area;
    if (i > pg.capacity || off % pg.block_size != 0) return false;
    size_t idx = off / pg.block_size;
    if (idx >= pg.capacity) return false;
    bits[idx / 64] |= uint64_t{1} << (idx % 64);
  }
  return true;
}

int walk_page(const Page& live, WalkVisitor visit, void* arg) {
  Page pg = live;  // a copy: the visitor cannot disturb what we iterate
  if (pg.block_size == 0 || pg.capacity == 0 || pg.capacity > kMaxPageBlocks) return 0;
  uint64_t free_bits[kMaxPageBlocks / 64];
  memset(free_bits, 0, (pg.capacity + 63) / 64 * 8);
  if (!mark_list(pg, pg.free, free_bits) || !mark_list(pg, pg.local_free, free_bits)) return 0;
  for (size_t i = 0; i < pg.capacity; ++i) {
    if ((free_bits[i / 64] >> (i % 64)) & 1) continue;
    int r = visit(reinterpret_cast<void*>(pg.area + i * pg.block_size), pg.block_size, arg);
    if (r) return r;
  }
  return 0;
}

int walk_segment(Segment* seg, WalkVisitor visit, void* arg) {
  if (segmap_get(seg) < kMapPoolMin) return 0;  // released since it was listed
  for (const Page& pg : seg->pages) {
    if (int r = walk_page(pg, visit, arg)) return r;
  }
  return 0;
}

int walk_pool(WalkVisitor visit, void* arg) {
  SegmentBatch list;
  list.skip = 0;
  for (;;) {
    list.seen = list.count = 0;
    segments_for_each(collect_segment, &list);
    for (size_t i = 0; i < list.count; ++i) {
      if (int r = walk_segment(list.segs[i], visit, arg)) return r;
    }
    if (list.count < kSegmentBatch) return 0;
    list.skip += list.count;
  }
}

int walk_large_segment(const void* seg, WalkVisitor visit, void* arg) {
  void* ptrs[kBatch];
  size_t sizes[kBatch];
  unsigned cursor = 0;
  for (;;) {
    size_t n = large_used_spans(seg, &cursor, ptrs, sizes, kBatch);
    for (size_t i = 0; i < n; ++i) {
      if (int r = visit(ptrs[i], sizes[i], arg)) return r;
    }
    if (n < kBatch) return 0;
  }
}

// The arenas list their segments; take them in batches so no lock is held while visiting.
int walk_large(WalkVisitor visit, void* arg) {
  constexpr size_t kSegs = 64;
  const void* segs[kSegs];
  for (size_t skip = 0;; skip += kSegs) {
    size_t n = large_list_segments(segs, kSegs, skip);
    for (size_t i = 0; i < n; ++i)
      if (int r = walk_large_segment(segs[i], visit, arg)) return r;
    if (n < kSegs) return 0;
  }
}

int walk_huge(WalkVisitor visit, void* arg) {
  void* ptrs[kBatch];
  size_t sizes[kBatch];
  size_t cursor = 0;
  for (;;) {
    size_t n = huge_live_blocks(&cursor, ptrs, sizes, kBatch);
    for (size_t i = 0; i < n; ++i) {
      if (int r = visit(ptrs[i], sizes[i], arg)) return r;
    }
    if (n < kBatch) return 0;
  }
}
}  // namespace

int heap_walk(WalkVisitor visit, void* arg) {
  if (int r = walk_pool(visit, arg)) return r;
  if (int r = walk_large(visit, arg)) return r;
  return walk_huge(visit, arg);
}

}  // namespace pm

extern "C" PM_STATS_API int pm_heap_walk(int (*visit)(void*, size_t, void*), void* arg) noexcept {
  if (!visit) return EINVAL;
  return pm::heap_walk(visit, arg);
}
