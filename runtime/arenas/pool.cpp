// Pool: fixed-size blocks in slabs. Each slab keeps a stack of the indices of its freed
// blocks, a count of blocks never handed out (so creating a pool does not touch its blocks)
// and one byte per block, 1 while the block is allocated, which is how a double free is
// caught (a byte, not a bit: one store to set or clear, no read-modify-write). Neither alloc nor dealloc touches the blocks themselves: a free list threaded
// through them would make each alloc wait for a load from the block it hands out.
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

namespace {

constexpr unsigned kGrow = 1u;
// Stack entries are 32-bit block indices.
constexpr size_t kMaxSlabBlocks = size_t{UINT32_MAX} + 1;

// The index of the block at offset `off` of a slab, and whether off is that block's start.
// One multiplication by div_magic gives both (the high half is the index, the low half is
// below div_magic exactly at a block's start) while a slab's bytes times block_size stay
// below 2^64; add_slab sets div_magic to 0 where they would not, and this divides.
size_t block_index(const pm_pool_t *p, size_t off, bool *exact) {
  if (p->div_magic == 0) {
    *exact = off % p->block_size == 0;
    return off / p->block_size;
  }
  unsigned __int128 m = static_cast<unsigned __int128>(off) * p->div_magic;
  *exact = static_cast<uint64_t>(m) < p->div_magic;
  return static_cast<size_t>(m >> 64);
}

pm_pool_slab *find_slab(const pm_pool_t *p, const void *ptr) {
  const char *c = static_cast<const char *>(ptr);
  for (pm_pool_slab *s = p->slabs; s != nullptr; s = s->next)
    if (c >= s->begin && c < s->begin + s->span) return s;
  return nullptr;
}

size_t slab_free(const pm_pool_slab *s) { return s->nstack + (s->nblocks - s->fresh); }

bool add_slab(pm_pool_t *p, size_t nblocks) {
  if (nblocks == 0 || nblocks > kMaxSlabBlocks) return false;
  // [slab | live bytes | stack (4-byte indices) | blocks at the pool's alignment]
  size_t stack_at = (sizeof(pm_pool_slab) + nblocks + 3) & ~size_t{3};
  size_t head, blocks, total;
  if (!align_up(stack_at + nblocks * sizeof(uint32_t), p->align, &head) ||
      __builtin_mul_overflow(nblocks, p->block_size, &blocks) ||
      __builtin_add_overflow(head, blocks, &total))
    return false;
  // The multiply-shift index is exact while offset * block_size stays below 2^64.
  unsigned __int128 span = static_cast<unsigned __int128>(blocks) * p->block_size;
  if ((span >> 64) != 0) p->div_magic = 0;
  auto *s = static_cast<pm_pool_slab *>(heap_alloc(total, p->align));
  if (s == nullptr) return false;
  memset(s, 0, sizeof(pm_pool_slab) + nblocks);
  s->stack = reinterpret_cast<uint32_t *>(reinterpret_cast<char *>(s) + stack_at);
  s->begin = reinterpret_cast<char *>(s) + head;
  s->span = blocks;
  s->nblocks = nblocks;
  poison(s->begin, blocks);
  s->next = p->slabs;
  p->slabs = s;
  p->cur = s;
  p->num_blocks += nblocks;
  return true;
}

// A live block of p, or the error that rules it out.
int check(const pm_pool_t *p, const void *ptr, pm_pool_slab **slab, size_t *index) {
  if (p == nullptr) return PM_ARENA_EINVAL;
  pm_pool_slab *s = ptr != nullptr ? find_slab(p, ptr) : nullptr;
  if (s == nullptr) return PM_ARENA_ENOTOWNED;
  bool exact;
  size_t i = block_index(p, static_cast<size_t>(static_cast<const char *>(ptr) - s->begin),
                         &exact);
  if (!exact) return PM_ARENA_ENOTOWNED;  // inside a block, not its start
  if (i >= s->fresh || s->live[i] == 0) return PM_ARENA_EDOUBLEFREE;
  *slab = s;
  *index = i;
  return PM_ARENA_OK;
}

// A slab with a free block for p->cur, growing when none has one; false when exhausted.
bool refill(pm_pool_t *p) {
  for (pm_pool_slab *s = p->slabs; s != nullptr; s = s->next) {
    if (slab_free(s) != 0) {
      p->cur = s;
      return true;
    }
  }
  if (!(p->flags & kGrow)) return false;
  size_t n = p->next_blocks;
  if (p->max_blocks != 0 && n > p->max_blocks - p->num_blocks) n = p->max_blocks - p->num_blocks;
  if (!add_slab(p, n)) return false;
  if (p->next_blocks <= kMaxSlabBlocks / 2) p->next_blocks *= 2;
  return true;
}

}  // namespace

namespace pm::arena_detail {

PoolSlabView pool_slab_view(const pm_pool_slab_t *s) {
  return PoolSlabView{s->next, s->begin, s->fresh, s->live};
}

}  // namespace pm::arena_detail

extern "C" {

PM_API int pm_pool_init(pm_pool_t *p, size_t block_size, size_t block_count,
                        const pm_pool_options_t *opts) {
  if (p == nullptr) return PM_ARENA_EINVAL;
  memset(p, 0, sizeof *p);
  size_t align = opts != nullptr ? opts->align : 0;
  if (block_size < sizeof(void *)) block_size = sizeof(void *);
  if (align == 0) {
    align = block_size & (~block_size + 1);  // lowest set bit: the natural alignment
    if (align > kHeapAlign) align = kHeapAlign;
    if (align < alignof(void *)) align = alignof(void *);
  }
  if (!is_pow2(align) || align < alignof(void *) || !align_up(block_size, align, &block_size))
    return PM_ARENA_EINVAL;
  p->block_size = block_size;
  p->align = align;
  p->div_magic = UINT64_MAX / block_size + 1;  // ceil(2^64 / block_size) for non-powers of 2
  if (opts != nullptr && opts->grow) {
    p->flags |= kGrow;
    p->max_blocks = opts->max_blocks;
  }
  p->next_blocks = block_count == 0 ? 16 : block_count < kMaxSlabBlocks ? block_count : kMaxSlabBlocks;
  for (size_t left = block_count; left != 0;) {
    size_t n = left < kMaxSlabBlocks ? left : kMaxSlabBlocks;
    if (!add_slab(p, n)) {
      pm_pool_destroy(p);
      return PM_ARENA_ENOMEM;
    }
    left -= n;
  }
  if (p->max_blocks != 0 && p->max_blocks < p->num_blocks) p->max_blocks = p->num_blocks;
  return PM_ARENA_OK;
}

PM_API void pm_pool_destroy(pm_pool_t *p) {
  if (p == nullptr) return;
  for (pm_pool_slab *s = p->slabs; s != nullptr;) {
    pm_pool_slab *next = s->next;
    unpoison(s->begin, s->span);
    pm_free(s);
    s = next;
  }
  memset(p, 0, sizeof *p);
}

PM_API pm_pool_t *pm_pool_new_ex(size_t block_size, size_t block_count,
                                 const pm_pool_options_t *opts) {
  auto *p = static_cast<pm_pool_t *>(pm_malloc(sizeof(pm_pool_t)));
  if (p != nullptr && pm_pool_init(p, block_size, block_count, opts) != PM_ARENA_OK) {
    pm_free(p);
    return nullptr;
  }
  return p;
}

PM_API pm_pool_t *pm_pool_new(size_t block_size, size_t block_count) {
  return pm_pool_new_ex(block_size, block_count, nullptr);
}

PM_API void pm_pool_free(pm_pool_t *p) {
  if (p == nullptr) return;
  pm_pool_destroy(p);
  pm_free(p);
}

PM_API void *pm_pool_alloc(pm_pool_t *p) {
  if (p == nullptr) return nullptr;
  pm_pool_slab *s = p->cur;
  if (s == nullptr || slab_free(s) == 0) {
    if (!refill(p)) return nullptr;
    s = p->cur;
  }
  size_t i = s->nstack != 0 ? s->stack[--s->nstack] : s->fresh++;
  s->live[i] = 1;
  char *b = s->begin + i * p->block_size;
  unpoison(b, p->block_size);
  return b;
}

PM_API int pm_pool_check(const pm_pool_t *p, const void *ptr) {
  pm_pool_slab *s;
  size_t i;
  return check(p, ptr, &s, &i);
}

PM_API int pm_pool_dealloc(pm_pool_t *p, void *ptr) {
  pm_pool_slab *s;
  size_t i;
  int rc = check(p, ptr, &s, &i);
  if (rc != PM_ARENA_OK) return rc;
  s->live[i] = 0;
  poison(ptr, p->block_size);
  s->stack[s->nstack++] = static_cast<uint32_t>(i);
  return PM_ARENA_OK;
}

PM_API int pm_pool_copy_onto(const pm_pool_t *p, const void *src, size_t src_start, void *dst,
                             size_t dst_start, size_t len) {
  if (p == nullptr) return PM_ARENA_EINVAL;
  size_t ss = pm_pool_check(p, src) == PM_ARENA_OK ? p->block_size : 0;
  size_t ds = pm_pool_check(p, dst) == PM_ARENA_OK ? p->block_size : 0;
  return checked_copy(src, src_start, ss, dst, dst_start, ds, len);
}

PM_API size_t pm_pool_block_size(const pm_pool_t *p) { return p == nullptr ? 0 : p->block_size; }
PM_API size_t pm_pool_num_free_blocks(const pm_pool_t *p) {
  size_t n = 0;
  if (p != nullptr)
    for (const pm_pool_slab *s = p->slabs; s != nullptr; s = s->next) n += slab_free(s);
  return n;
}
PM_API size_t pm_pool_num_allocated(const pm_pool_t *p) {
  return p == nullptr ? 0 : p->num_blocks - pm_pool_num_free_blocks(p);
}
PM_API size_t pm_pool_num_blocks(const pm_pool_t *p) { return p == nullptr ? 0 : p->num_blocks; }

}  // extern "C"
