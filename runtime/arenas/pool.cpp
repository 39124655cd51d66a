// Pool: fixed-size blocks in slabs. Each slab keeps its own intrusive free list, a count of
// blocks never handed out (so creating a pool does not touch its blocks) and one bit per
// block, set while the block is allocated, which is how a double free is caught.
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

namespace {

constexpr unsigned kGrow = 1u;

// offset / block_size without a division: the high half of offset * div_magic, exact for
// every offset inside a slab (add_slab keeps div_magic 0 where it would not be).
size_t block_index(const pm_pool_t *p, size_t off) {
  if (p->div_magic == 0) return off / p->block_size;
  return static_cast<size_t>((static_cast<unsigned __int128>(off) * p->div_magic) >> 64);
}

size_t slab_index(const pm_pool_t *p, const pm_pool_slab *s, const void *ptr, bool *exact) {
  size_t off = static_cast<size_t>(static_cast<const char *>(ptr) - s->begin);
  size_t idx = block_index(p, off);
  *exact = idx * p->block_size == off;
  return idx;
}

pm_pool_slab *find_slab(const pm_pool_t *p, const void *ptr) {
  const char *c = static_cast<const char *>(ptr);
  for (pm_pool_slab *s = p->slabs; s != nullptr; s = s->next)
    if (c >= s->begin && c < s->end) return s;
  return nullptr;
}

bool add_slab(pm_pool_t *p, size_t nblocks) {
  if (nblocks == 0) return false;
  size_t words = (nblocks + 63) / 64;
  size_t head, blocks, total;
  if (!align_up(sizeof(pm_pool_slab) + words * 8, p->align, &head) ||
      __builtin_mul_overflow(nblocks, p->block_size, &blocks) ||
      __builtin_add_overflow(head, blocks, &total))
    return false;
  // The multiply-shift index is exact while offset * block_size stays below 2^64.
  unsigned __int128 span = static_cast<unsigned __int128>(blocks) * p->block_size;
  if ((span >> 64) != 0) p->div_magic = 0;
  auto *s = static_cast<pm_pool_slab *>(heap_alloc(total, p->align));
  if (s == nullptr) return false;
  memset(s, 0, sizeof(pm_pool_slab) + words * 8);
  s->begin = reinterpret_cast<char *>(s) + head;
  s->end = s->begin + blocks;
  s->nblocks = s->nfree = nblocks;
  poison(s->begin, blocks);
  s->in_avail = 1;
  s->next = p->slabs;
  p->slabs = s;
  s->next_avail = p->avail;
  p->avail = s;
  p->num_blocks += nblocks;
  p->num_free += nblocks;
  return true;
}

// A live block of p, or the error that rules it out.
int check(const pm_pool_t *p, const void *ptr, pm_pool_slab **slab, size_t *index) {
  if (p == nullptr) return PM_ARENA_EINVAL;
  pm_pool_slab *s = ptr != nullptr ? find_slab(p, ptr) : nullptr;
  if (s == nullptr) return PM_ARENA_ENOTOWNED;
  bool exact;
  size_t i = slab_index(p, s, ptr, &exact);
  if (!exact) return PM_ARENA_ENOTOWNED;  // inside a block, not its start
  if (i >= s->fresh || !(s->bits[i / 64] & (uint64_t{1} << (i % 64))))
    return PM_ARENA_EDOUBLEFREE;
  *slab = s;
  *index = i;
  return PM_ARENA_OK;
}

}  // namespace

namespace pm::arena_detail {

PoolSlabView pool_slab_view(const pm_pool_slab_t *s) {
  return PoolSlabView{s->next, s->begin, s->fresh, s->bits};
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
  p->next_blocks = block_count != 0 ? block_count : 16;
  if (block_count != 0 && !add_slab(p, block_count)) return PM_ARENA_ENOMEM;
  if (p->max_blocks != 0 && p->max_blocks < p->num_blocks) p->max_blocks = p->num_blocks;
  return PM_ARENA_OK;
}

PM_API void pm_pool_destroy(pm_pool_t *p) {
  if (p == nullptr) return;
  for (pm_pool_slab *s = p->slabs; s != nullptr;) {
    pm_pool_slab *next = s->next;
    unpoison(s->begin, static_cast<size_t>(s->end - s->begin));
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
  pm_pool_slab *s = p->avail;
  if (s == nullptr) {
    if (!(p->flags & kGrow)) return nullptr;
    size_t n = p->next_blocks;
    if (p->max_blocks != 0 && n > p->max_blocks - p->num_blocks) n = p->max_blocks - p->num_blocks;
    if (!add_slab(p, n)) return nullptr;
    if (p->next_blocks <= SIZE_MAX / 2) p->next_blocks *= 2;
    s = p->avail;
  }
  char *b;
  size_t i;
  if (s->free != nullptr) {
    b = static_cast<char *>(s->free);
    unpoison(b, p->block_size);
    memcpy(&s->free, b, sizeof(void *));
    i = block_index(p, static_cast<size_t>(b - s->begin));
  } else {
    i = s->fresh++;
    b = s->begin + i * p->block_size;
    unpoison(b, p->block_size);
  }
  s->bits[i / 64] |= uint64_t{1} << (i % 64);
  if (--s->nfree == 0) {
    p->avail = s->next_avail;
    s->in_avail = 0;
  }
  p->num_free--;
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
  s->bits[i / 64] &= ~(uint64_t{1} << (i % 64));
  memcpy(ptr, &s->free, sizeof(void *));
  poison(ptr, p->block_size);
  s->free = ptr;
  s->nfree++;
  p->num_free++;
  if (!s->in_avail) {
    s->in_avail = 1;
    s->next_avail = p->avail;
    p->avail = s;
  }
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
PM_API size_t pm_pool_num_free_blocks(const pm_pool_t *p) { return p == nullptr ? 0 : p->num_free; }
PM_API size_t pm_pool_num_allocated(const pm_pool_t *p) {
  return p == nullptr ? 0 : p->num_blocks - p->num_free;
}
PM_API size_t pm_pool_num_blocks(const pm_pool_t *p) { return p == nullptr ? 0 : p->num_blocks; }

}  // extern "C"
