// Stack arena: LIFO blocks in one region. A 16-byte header in front of each block keeps the
// top and the most recent block from before it, so pop() restores both in O(1).
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

namespace {

constexpr unsigned kOwned = 1u;

// Pointers, not offsets: pop() then restores the top and the last block with two loads
// from one header and no add of the base, so each pop waits on one load only.
struct Header {
  char *prev_top;
  char *prev_last;  // nullptr: the block was the first
};
static_assert(sizeof(Header) == kStackHeader, "the walk steps over headers of this size");

Header *header_of(const char *block) {
  return reinterpret_cast<Header *>(const_cast<char *>(block) - sizeof(Header));
}

// An offset in the region, 0 for nullptr (offset 0 is never a block: a header comes first).
size_t offset_of(const pm_stack_t *s, const char *p) {
  return p == nullptr ? 0 : static_cast<size_t>(reinterpret_cast<uintptr_t>(p) -
                                                reinterpret_cast<uintptr_t>(s->base));
}

}  // namespace

namespace pm::arena_detail {

void stack_links(const pm_stack_t *s, size_t block, size_t *prev_top, size_t *prev_last) {
  const Header *h = header_of(s->base + block);
  *prev_top = offset_of(s, h->prev_top);
  *prev_last = offset_of(s, h->prev_last);
}

void stack_state(const pm_stack_t *s, size_t *top, size_t *last) {
  *top = offset_of(s, s->top);
  *last = offset_of(s, s->last);
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
  s->top = s->base;
  s->end = s->base + capacity;
  poison(s->base, capacity);
  return PM_ARENA_OK;
}

PM_API void pm_stack_destroy(pm_stack_t *s) {
  if (s == nullptr) return;
  unpoison(s->base, static_cast<size_t>(s->end - s->base));
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
  uintptr_t start = reinterpret_cast<uintptr_t>(s->top) + sizeof(Header);
  uintptr_t end = reinterpret_cast<uintptr_t>(s->end);
  // At least 8: the header in front of the block must be aligned too.
  uintptr_t p = align_addr(start, layout.align > alignof(Header) ? layout.align : alignof(Header));
  if (p < start || p > end || layout.size > end - p) return {nullptr, 0};
  char *block = reinterpret_cast<char *>(p);
  unpoison_range(s->top, block + layout.size);
  Header *h = header_of(block);
  h->prev_top = s->top;
  h->prev_last = s->last;
  s->top = block + layout.size;
  s->last = block;
  return {block, layout.size};
}

PM_API pm_allocation_t pm_stack_alloc_zeroed(pm_stack_t *s, pm_layout_t layout) {
  pm_allocation_t a = pm_stack_alloc(s, layout);
  if (a.ptr != nullptr) memset(a.ptr, 0, a.size);
  return a;
}

PM_API size_t pm_stack_block_size(const pm_stack_t *s, const void *ptr) {
  if (s == nullptr || ptr == nullptr || s->base == nullptr) return 0;
  const char *p = static_cast<const char *>(ptr);
  if (p < s->base || p >= s->end) return 0;
  const char *end = s->top;
  for (const char *cur = s->last; cur != nullptr;) {
    if (cur == p) return static_cast<size_t>(end - cur);
    if (cur < p) return 0;  // below the block that would hold it: not a block start
    const Header *h = header_of(cur);
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
  if (s->last == nullptr) return PM_ARENA_EEMPTY;
  const Header *h = header_of(s->last);
  char *old_top = s->top;
  s->top = h->prev_top;
  s->last = h->prev_last;
  poison_range(s->top, old_top);
  return PM_ARENA_OK;
}

PM_API int pm_stack_dealloc(pm_stack_t *s, void *ptr) {
  if (s == nullptr) return PM_ARENA_EINVAL;
  char *p = static_cast<char *>(ptr);
  if (p == nullptr || p < s->base || p >= s->end) return PM_ARENA_ENOTOWNED;
  if (s->last == nullptr) return PM_ARENA_EEMPTY;
  if (p == s->last) return pm_stack_pop(s);
  // Below the top: a live block that is not the most recent (or an interior pointer).
  return p < s->top ? PM_ARENA_ENOTTOP : PM_ARENA_ENOTOWNED;
}

PM_API void pm_stack_reset(pm_stack_t *s) {
  if (s == nullptr) return;
  poison(s->base, static_cast<size_t>(s->top - s->base));
  s->top = s->base;
  s->last = nullptr;
}

PM_API size_t pm_stack_remaining(const pm_stack_t *s) {
  return s == nullptr ? 0 : static_cast<size_t>(s->end - s->top);
}

PM_API size_t pm_stack_count(const pm_stack_t *s) {
  if (s == nullptr) return 0;
  size_t n = 0, limit = static_cast<size_t>(s->end - s->base);
  for (const char *cur = s->last; cur != nullptr && n <= limit; n++) cur = header_of(cur)->prev_last;
  return n;
}

}  // extern "C"
