// Stack arena: LIFO blocks in one region. A 16-byte header in front of each block keeps the
// top and the most recent block from before it, so pop() restores both in O(1).
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

namespace {

constexpr unsigned kOwned = 1u;

struct Header {
  size_t prev_top;
  size_t prev_last;
};
static_assert(sizeof(Header) == kStackHeader, "the walk steps over headers of this size");

// Offsets in the region: a block at offset `last` has its header at last - sizeof(Header);
// offset 0 is never a block (a header always comes first), so 0 means empty.
Header *header_of(const pm_stack_t *s, size_t block) {
  return reinterpret_cast<Header *>(s->base + block - sizeof(Header));
}

}  // namespace

namespace pm::arena_detail {

void stack_links(const pm_stack_t *s, size_t block, size_t *prev_top, size_t *prev_last) {
  const Header *h = header_of(s, block);
  *prev_top = h->prev_top;
  *prev_last = h->prev_last;
}

}  // namespace pm::arena_detail

extern "C" {

PM_API int pm_stack_init(pm_stack_t *s, void *buffer, size_t capacity) {
  if (s == nullptr) return PM_ARENA_EINVAL;
  memset(s, 0, sizeof *s);
  if (buffer == nullptr) {
    buffer = heap_alloc(capacity, kHeapAlign);
    if (buffer == nullptr) return PM_ARENA_ENOMEM;
    s->flags = kOwned;
  }
  s->base = static_cast<char *>(buffer);
  s->capacity = capacity;
  poison(s->base, capacity);
  return PM_ARENA_OK;
}

PM_API void pm_stack_destroy(pm_stack_t *s) {
  if (s == nullptr) return;
  unpoison(s->base, s->capacity);
  if (s->flags & kOwned) pm_free(s->base);
  memset(s, 0, sizeof *s);
}

PM_API pm_stack_t *pm_stack_new_buffer(void *buffer, size_t size) {
  auto *s = static_cast<pm_stack_t *>(pm_malloc(sizeof(pm_stack_t)));
  if (s != nullptr && pm_stack_init(s, buffer, size) != PM_ARENA_OK) {
    pm_free(s);
    return nullptr;
  }
  return s;
}

PM_API pm_stack_t *pm_stack_new(size_t capacity) { return pm_stack_new_buffer(nullptr, capacity); }

PM_API void pm_stack_free(pm_stack_t *s) {
  if (s == nullptr) return;
  pm_stack_destroy(s);
  pm_free(s);
}

PM_API pm_allocation_t pm_stack_alloc(pm_stack_t *s, pm_layout_t layout) {
  if (s == nullptr || s->base == nullptr || !layout_ok(layout)) return {nullptr, 0};
  uintptr_t base = reinterpret_cast<uintptr_t>(s->base);
  uintptr_t start = base + s->top + sizeof(Header);
  // At least 8: the header in front of the block must be aligned too.
  uintptr_t p = align_addr(start, layout.align > alignof(Header) ? layout.align : alignof(Header));
  if (p < start) return {nullptr, 0};
  size_t off = p - base;
  if (off > s->capacity || layout.size > s->capacity - off) return {nullptr, 0};
  unpoison_range(s->base + s->top, s->base + off + layout.size);
  Header *h = header_of(s, off);
  h->prev_top = s->top;
  h->prev_last = s->last;
  s->top = off + layout.size;
  s->last = off;
  return {reinterpret_cast<void *>(p), layout.size};
}

PM_API pm_allocation_t pm_stack_alloc_zeroed(pm_stack_t *s, pm_layout_t layout) {
  pm_allocation_t a = pm_stack_alloc(s, layout);
  if (a.ptr != nullptr) memset(a.ptr, 0, a.size);
  return a;
}

PM_API size_t pm_stack_block_size(const pm_stack_t *s, const void *ptr) {
  if (s == nullptr || ptr == nullptr || s->base == nullptr) return 0;
  const char *p = static_cast<const char *>(ptr);
  if (p < s->base || p >= s->base + s->capacity) return 0;
  size_t target = static_cast<size_t>(p - s->base), end = s->top;
  for (size_t cur = s->last; cur != 0;) {
    if (cur == target) return end - cur == 0 ? 0 : end - cur;
    if (cur < target) return 0;  // below the block that would hold it: not a block start
    const Header *h = header_of(s, cur);
    end = h->prev_top;
    cur = h->prev_last;
  }
  return 0;
}

PM_API int pm_stack_copy_onto(const pm_stack_t *s, const void *src, size_t src_start, void *dst,
                              size_t dst_start, size_t len) {
  if (s == nullptr) return PM_ARENA_EINVAL;
  return checked_copy(src, src_start, pm_stack_block_size(s, src), dst, dst_start,
                      pm_stack_block_size(s, dst), len);
}

PM_API int pm_stack_pop(pm_stack_t *s) {
  if (s == nullptr) return PM_ARENA_EINVAL;
  if (s->last == 0) return PM_ARENA_EEMPTY;
  const Header *h = header_of(s, s->last);
  size_t old_top = s->top;
  s->top = h->prev_top;
  s->last = h->prev_last;
  poison_range(s->base + s->top, s->base + old_top);
  return PM_ARENA_OK;
}

PM_API int pm_stack_dealloc(pm_stack_t *s, void *ptr) {
  if (s == nullptr) return PM_ARENA_EINVAL;
  char *p = static_cast<char *>(ptr);
  if (p == nullptr || p < s->base || p >= s->base + s->capacity) return PM_ARENA_ENOTOWNED;
  if (s->last == 0) return PM_ARENA_EEMPTY;
  if (p == s->base + s->last) return pm_stack_pop(s);
  // Below the top: a live block that is not the most recent (or an interior pointer).
  return p < s->base + s->top ? PM_ARENA_ENOTTOP : PM_ARENA_ENOTOWNED;
}

PM_API void pm_stack_reset(pm_stack_t *s) {
  if (s == nullptr) return;
  poison(s->base, s->top);
  s->top = 0;
  s->last = 0;
}

PM_API size_t pm_stack_remaining(const pm_stack_t *s) {
  return s == nullptr ? 0 : s->capacity - s->top;
}

PM_API size_t pm_stack_count(const pm_stack_t *s) {
  if (s == nullptr) return 0;
  size_t n = 0;
  for (size_t cur = s->last; cur != 0 && n <= s->capacity; n++) cur = header_of(s, cur)->prev_last;
  return n;
}

}  // extern "C"
