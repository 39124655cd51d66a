// Walks of the scoped arenas: every live block (free-list, pool, stack) or used range
// (bump) handed to a visitor, for debugging tools. Like pm_heap_walk, a walk takes no
// memory from any heap: each reads the metadata its arena already keeps (block headers,
// the pool's live bytes, the bump chunks' links, the stack's headers).
#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"

using namespace pm::arena_detail;

namespace {

// The slab with the lowest blocks above `after` (nullptr: the lowest of all), or nullptr.
// Slabs are few (each holds twice the blocks of the last), so a selection per slab is cheap
// and keeps the walk in address order without sorting into memory.
const pm_pool_slab_t *next_slab(const pm_pool_t *p, const char *after) {
  const pm_pool_slab_t *best = nullptr;
  const char *best_begin = nullptr;
  for (const pm_pool_slab_t *s = p->slabs; s != nullptr;) {
    PoolSlabView v = pool_slab_view(s);
    if ((after == nullptr || v.begin > after) && (best == nullptr || v.begin < best_begin)) {
      best = s;
      best_begin = v.begin;
    }
    s = v.next;
  }
  return best;
}

int walk_slab(const pm_pool_t *p, const PoolSlabView &v, pm_walk_visitor_t visit, void *arg) {
  for (size_t i = 0; i < v.fresh; i++) {
    if (v.live[i] == 0) continue;
    void *ptr = const_cast<char *>(v.begin) + i * p->block_size;
    if (int rc = visit(ptr, p->block_size, arg)) return rc;
  }
  return 0;
}

int visit_range(char *begin, char *end, pm_walk_visitor_t visit, void *arg) {
  if (begin == nullptr || end <= begin) return 0;  // nothing used in this region
  return visit(begin, static_cast<size_t>(end - begin), arg);
}

}  // namespace

extern "C" {

PM_API int pm_freelist_walk(const pm_freelist_t *fl, pm_walk_visitor_t visit, void *arg) {
  if (fl == nullptr || visit == nullptr) return PM_ARENA_EINVAL;
  uint64_t cursor = 0;
  FreeListBlock blk;
  for (;;) {
    switch (freelist_step(fl, &cursor, &blk)) {
      case FreeListStep::kEnd:
        return PM_ARENA_OK;
      case FreeListStep::kCorrupt:
        return PM_ARENA_ECORRUPT;
      case FreeListStep::kBlock:
        if (blk.used)
          if (int rc = visit(blk.ptr, blk.usable, arg)) return rc;
        break;
    }
  }
}

PM_API int pm_pool_walk(const pm_pool_t *p, pm_walk_visitor_t visit, void *arg) {
  if (p == nullptr || visit == nullptr) return PM_ARENA_EINVAL;
  for (const pm_pool_slab_t *s = next_slab(p, nullptr); s != nullptr;) {
    PoolSlabView v = pool_slab_view(s);
    if (int rc = walk_slab(p, v, visit, arg)) return rc;
    s = next_slab(p, v.begin);
  }
  return PM_ARENA_OK;
}

// Regions in order of use: the first region, then the chunks up to the current one. A
// region left behind ends where the next chunk recorded on entry; the current one at cur.
PM_API int pm_bump_walk(const pm_bump_t *b, pm_walk_visitor_t visit, void *arg) {
  if (b == nullptr || visit == nullptr) return PM_ARENA_EINVAL;
  if (b->base == nullptr) return PM_ARENA_OK;  // a growing arena before its first block
  char *begin = b->base;
  const pm_bump_chunk_t *region = nullptr;  // nullptr: the first region
  const pm_bump_chunk_t *next = b->chunks;
  while (region != b->chunk) {
    if (next == nullptr) return PM_ARENA_ECORRUPT;  // the current chunk is not in the list
    BumpChunkView v = bump_chunk_view(next);
    if (int rc = visit_range(begin, v.prev_used_end, visit, arg)) return rc;
    region = next;
    begin = v.begin;
    next = v.next;
  }
  if (int rc = visit_range(begin, b->cur, visit, arg)) return rc;
  return PM_ARENA_OK;
}

// From the most recent block down: each header holds the top and the block from before
// it, so block sizes come out of the chain (the newest block ends at top, each older one
// where the block above it found the top).
PM_API int pm_stack_walk(const pm_stack_t *s, pm_walk_visitor_t visit, void *arg) {
  if (s == nullptr || visit == nullptr) return PM_ARENA_EINVAL;
  size_t top, block;
  stack_state(s, &top, &block);
  const size_t capacity = static_cast<size_t>(s->end - s->base);
  while (block != 0) {
    if (block < kStackHeader || block > top || top > capacity) return PM_ARENA_ECORRUPT;
    size_t prev_top, prev_last;
    stack_links(s, block, &prev_top, &prev_last);
    if (int rc = visit(s->base + block, top - block, arg)) return rc;
    // Offsets strictly fall, so a damaged chain cannot loop.
    if (prev_last >= block || prev_top > block - kStackHeader) return PM_ARENA_ECORRUPT;
    top = prev_top;
    block = prev_last;
  }
  return PM_ARENA_OK;
}

}  // extern "C"
