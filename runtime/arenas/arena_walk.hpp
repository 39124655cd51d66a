// What the arena walks (walk.cpp) read of each arena's private structures. Each accessor
// lives beside the structure it reads, so the layouts stay private to their files.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "poolmalloc_arenas.h"

namespace pm::arena_detail {

// ---- free-list arena (freelist.cpp) ----
struct FreeListBlock {
  void *ptr;      // the payload
  size_t usable;  // what pm_freelist_usable_size gives for a live block
  bool used;
};
enum class FreeListStep { kBlock, kEnd, kCorrupt };
// The block at *cursor (0: the first block), read from its header; *cursor then moves past
// it by the size in that header. kEnd at the untouched space above the last block;
// kCorrupt when the header is not one the arena wrote (bad tag, size out of bounds).
FreeListStep freelist_step(const pm_freelist_t *fl, uint64_t *cursor, FreeListBlock *out);

// ---- pool (pool.cpp) ----
struct PoolSlabView {
  const pm_pool_slab_t *next;  // every slab, newest first
  const char *begin;           // block i is at begin + i * block_size
  size_t fresh;                // blocks at and above this index were never handed out
  const unsigned char *live;   // live[i] nonzero while block i is allocated
};
PoolSlabView pool_slab_view(const pm_pool_slab_t *s);

// ---- bump arena (bump.cpp) ----
struct BumpChunkView {
  const pm_bump_chunk_t *next;  // the chunk after this one, in order of use
  char *begin;                  // the chunk's first byte for blocks
  char *prev_used_end;          // the end of the used range of the region before it
};
BumpChunkView bump_chunk_view(const pm_bump_chunk_t *c);

// ---- stack arena (stack.cpp) ----
// Bytes of the header in front of each block (so a block is never at an offset below it).
inline constexpr size_t kStackHeader = 16;
// The links kept in front of the block at offset `block`: the top and the most recent
// block from before it was allocated, as offsets in the region (0: no block).
void stack_links(const pm_stack_t *s, size_t block, size_t *prev_top, size_t *prev_last);
// The stack's own top and most recent block, as offsets the same way.
void stack_state(const pm_stack_t *s, size_t *top, size_t *last);

}  // namespace pm::arena_detail
