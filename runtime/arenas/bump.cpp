// Bump arena: a pointer moves up through a first region (the caller's buffer or an owned
// block) and, when growth is on, through chunks taken from an upstream. Chunks double up to
// a maximum; chunks above the current one are kept after a rewind and reused. Reset keeps
// the first region and one spare chunk (the newest, so the largest) and gives the rest back.
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

struct pm_bump_chunk {
  pm_bump_chunk *next;
  size_t size;         // bytes taken from upstream, this header included
  char *prev_used_end;  // where the region before this chunk stopped when it was entered
                        // (its used range ends there: the walk reads it)
  alignas(16) char data[];
};

namespace {

constexpr unsigned kGrow = 1u;
constexpr unsigned kOwnsBase = 2u;
constexpr size_t kDefaultChunk = 64 * 1024;
constexpr size_t kDefaultMaxChunk = 64u << 20;
constexpr size_t kChunkHeader = offsetof(pm_bump_chunk, data);

char *region_begin(const pm_bump_t *b, const pm_bump_chunk *c) {
  return c == nullptr ? b->base : const_cast<char *>(c->data);
}
char *region_end(const pm_bump_t *b, const pm_bump_chunk *c) {
  return c == nullptr ? b->base + b->base_size : reinterpret_cast<char *>(
                                                     const_cast<pm_bump_chunk *>(c)) + c->size;
}

// Room for size bytes at align in [cur, end): the aligned address, or nullptr.
char *fit(char *cur, char *end, size_t size, size_t align) {
  if (cur == nullptr) return nullptr;
  uintptr_t p = align_addr(reinterpret_cast<uintptr_t>(cur), align);
  uintptr_t e = reinterpret_cast<uintptr_t>(end);
  if (p < reinterpret_cast<uintptr_t>(cur) || p > e || size > e - p) return nullptr;
  return reinterpret_cast<char *>(p);
}

void *take(pm_bump_t *b, size_t bytes) {
  if (b->limit != 0 && (bytes > b->limit || b->held > b->limit - bytes)) return nullptr;
  void *p = b->upstream.alloc(b->upstream.ctx, bytes, kHeapAlign);
  if (p != nullptr) b->held += bytes;
  return p;
}

void give(pm_bump_t *b, void *p, size_t bytes) {
  unpoison(p, bytes);
  b->upstream.dealloc(b->upstream.ctx, p, bytes, kHeapAlign);
  b->held -= bytes;
}

// Frees the chunks after c (or every chunk when c is nullptr).
void drop_after(pm_bump_t *b, pm_bump_chunk *c) {
  pm_bump_chunk *n = c == nullptr ? b->chunks : c->next;
  if (c == nullptr) b->chunks = nullptr; else c->next = nullptr;
  while (n != nullptr) {
    pm_bump_chunk *next = n->next;
    give(b, n, n->size);
    n = next;
  }
}

// Poisons what is not handed out: the rest of the current region and every kept chunk
// above it (their headers stay readable).
void poison_unused(pm_bump_t *b) {
  poison_range(b->cur, b->end);
  for (pm_bump_chunk *c = b->chunk == nullptr ? b->chunks : b->chunk->next; c != nullptr;
       c = c->next)
    poison_range(c->data, region_end(b, c));
}

// Hands out [p, p + size) of the current region.
pm_allocation_t hand_out(pm_bump_t *b, char *p, size_t size) {
  unpoison(p, size);
  b->cur = p + size;
  return {p, size};
}

void enter(pm_bump_t *b, pm_bump_chunk *c) {
  c->prev_used_end = b->cur;
  b->used_before += static_cast<size_t>(b->cur - region_begin(b, b->chunk));
  b->chunk = c;
  b->cur = b->begin = region_begin(b, c);
  b->end = region_end(b, c);
}

// The slow path: the next kept chunk, or a new one from upstream.
pm_allocation_t grow(pm_bump_t *b, size_t size, size_t align) {
  pm_bump_chunk *next = b->chunk == nullptr ? b->chunks : b->chunk->next;
  if (b->base != nullptr && next != nullptr) {
    if (char *p = fit(next->data, reinterpret_cast<char *>(next) + next->size, size, align)) {
      enter(b, next);
      return hand_out(b, p, size);
    }
    drop_after(b, b->chunk);  // the kept chunks are too small: replace them
  }
  if (!(b->flags & kGrow)) return {nullptr, 0};
  size_t need;  // header, worst-case alignment padding, the block
  if (__builtin_add_overflow(size, kChunkHeader + (align > kHeapAlign ? align : 0), &need) ||
      !align_up(need, 4096, &need))
    return {nullptr, 0};
  size_t bytes = need > b->next_chunk ? need : b->next_chunk;
  if (b->base == nullptr) {  // the first region is taken lazily
    char *base = static_cast<char *>(take(b, bytes));
    if (base == nullptr) return {nullptr, 0};
    b->base = base;
    b->base_size = bytes;
    b->flags |= kOwnsBase;
    b->cur = b->begin = base;
    b->end = base + bytes;
    poison_range(base, base + bytes);
  } else {
    auto *c = static_cast<pm_bump_chunk *>(take(b, bytes));
    if (c == nullptr) return {nullptr, 0};
    c->next = nullptr;
    c->size = bytes;
    if (b->chunk == nullptr) b->chunks = c; else b->chunk->next = c;
    enter(b, c);
    poison_range(b->cur, b->end);
  }
  if (b->next_chunk < b->max_chunk)
    b->next_chunk = b->next_chunk > b->max_chunk / 2 ? b->max_chunk : b->next_chunk * 2;
  char *p = fit(b->cur, b->end, size, align);
  if (p == nullptr) return {nullptr, 0};
  return hand_out(b, p, size);
}

}  // namespace

namespace pm::arena_detail {

BumpChunkView bump_chunk_view(const pm_bump_chunk_t *c) {
  return BumpChunkView{c->next, const_cast<char *>(c->data), c->prev_used_end};
}

}  // namespace pm::arena_detail

extern "C" {

PM_API int pm_bump_init(pm_bump_t *b, void *buffer, size_t size, const pm_bump_options_t *opts) {
  if (b == nullptr) return PM_ARENA_EINVAL;
  memset(b, 0, sizeof *b);
  b->upstream = upstream_or_default(opts != nullptr ? opts->upstream : nullptr);
  if (opts != nullptr && opts->grow) {
    b->flags |= kGrow;
    b->next_chunk = opts->chunk_size != 0 ? opts->chunk_size : kDefaultChunk;
    b->max_chunk = opts->max_chunk != 0 ? opts->max_chunk : kDefaultMaxChunk;
    if (b->max_chunk < b->next_chunk) b->max_chunk = b->next_chunk;
    b->limit = opts->limit;
  }
  if (buffer != nullptr) {
    b->base = static_cast<char *>(buffer);
    b->base_size = size;
  } else if (size != 0) {
    if (size > PM_MAX_ALLOC_SIZE) return PM_ARENA_ENOMEM;
    b->base = static_cast<char *>(take(b, size));
    if (b->base == nullptr) return PM_ARENA_ENOMEM;
    b->base_size = size;
    b->flags |= kOwnsBase;
  }
  b->cur = b->begin = b->base;
  b->end = b->base + b->base_size;
  poison_unused(b);
  return PM_ARENA_OK;
}

PM_API void pm_bump_destroy(pm_bump_t *b) {
  if (b == nullptr) return;
  drop_after(b, nullptr);
  if (b->flags & kOwnsBase) give(b, b->base, b->base_size);
  else unpoison(b->base, b->base_size);  // the caller's buffer, as it was
  memset(b, 0, sizeof *b);
}

PM_API pm_bump_t *pm_bump_new_ex(void *buffer, size_t size, const pm_bump_options_t *opts) {
  auto *b = static_cast<pm_bump_t *>(pm_malloc(sizeof(pm_bump_t)));
  if (b == nullptr) return nullptr;
  if (pm_bump_init(b, buffer, size, opts) != PM_ARENA_OK) {
    pm_free(b);
    return nullptr;
  }
  return b;
}

PM_API pm_bump_t *pm_bump_new(size_t capacity) { return pm_bump_new_ex(nullptr, capacity, nullptr); }

PM_API void pm_bump_free(pm_bump_t *b) {
  if (b == nullptr) return;
  pm_bump_destroy(b);
  pm_free(b);
}

PM_API pm_allocation_t pm_bump_alloc(pm_bump_t *b, pm_layout_t layout) {
  if (b == nullptr || !layout_ok(layout)) return {nullptr, 0};
  if (char *p = fit(b->cur, b->end, layout.size, layout.align)) return hand_out(b, p, layout.size);
  return grow(b, layout.size, layout.align);
}

PM_API pm_allocation_t pm_bump_alloc_zeroed(pm_bump_t *b, pm_layout_t layout) {
  pm_allocation_t a = pm_bump_alloc(b, layout);
  if (a.ptr != nullptr) memset(a.ptr, 0, a.size);
  return a;
}

PM_API int pm_bump_dealloc(pm_bump_t *b, void *ptr, size_t size) {
  if (b == nullptr || ptr == nullptr) return 0;
  char *p = static_cast<char *>(ptr);
  if (p < b->begin || p > b->cur || static_cast<size_t>(b->cur - p) != size)
    return 0;
  poison_range(p, b->cur);
  b->cur = p;
  return 1;
}

PM_API void pm_bump_reset(pm_bump_t *b) {
  if (b == nullptr) return;
  // Keep the newest (largest) chunk as a spare: an arena that is filled and reset in a
  // loop would otherwise take and give back the same chunks from upstream every round.
  pm_bump_chunk *spare = b->chunks;
  while (spare != nullptr && spare->next != nullptr) spare = spare->next;
  if (spare != nullptr && spare != b->chunks) {
    pm_bump_chunk *c = b->chunks;
    while (c->next != spare) c = c->next;
    c->next = nullptr;
    drop_after(b, nullptr);
    b->chunks = spare;
  }
  b->chunk = nullptr;
  b->used_before = 0;
  b->epoch++;
  b->cur = b->begin = b->base;
  b->end = b->base + b->base_size;
  poison_unused(b);
}

PM_API size_t pm_bump_remaining(const pm_bump_t *b) {
  return b == nullptr ? 0 : static_cast<size_t>(b->end - b->cur);
}

PM_API size_t pm_bump_total_allocated(const pm_bump_t *b) {
  if (b == nullptr) return 0;
  return b->used_before + static_cast<size_t>(b->cur - region_begin(b, b->chunk));
}

PM_API size_t pm_bump_capacity(const pm_bump_t *b) {
  if (b == nullptr) return 0;
  return (b->flags & kOwnsBase) || b->base == nullptr ? b->held : b->held + b->base_size;
}

PM_API pm_bump_mark_t pm_bump_mark(const pm_bump_t *b) {
  if (b == nullptr) return {nullptr, nullptr, 0, 0};
  return {b->chunk, b->cur, b->used_before, b->epoch};
}

PM_API int pm_bump_rewind(pm_bump_t *b, pm_bump_mark_t mark) {
  if (b == nullptr) return PM_ARENA_EINVAL;
  if (mark.epoch != b->epoch) return PM_ARENA_EBADMARK;  // taken before a reset
  // The mark's region must be the current one or one before it (chunks are few: they double).
  // In the first region (chunk == nullptr) no chunk comes before: the kept ones are above.
  if (mark.chunk != b->chunk) {
    bool before = mark.chunk == nullptr;
    for (pm_bump_chunk *c = b->chunks; !before && b->chunk != nullptr && c != nullptr &&
                                       c != b->chunk; c = c->next)
      before = c == mark.chunk;
    if (!before) return PM_ARENA_EBADMARK;
  } else if (mark.cur > b->cur) {
    return PM_ARENA_EBADMARK;
  }
  char *begin = region_begin(b, mark.chunk);
  if (mark.cur < begin || mark.cur > region_end(b, mark.chunk)) {
    // A mark taken before the first region existed (lazy growth) is the empty arena.
    if (!(mark.cur == nullptr && mark.chunk == nullptr)) return PM_ARENA_EBADMARK;
    mark.cur = begin;
  }
  b->chunk = mark.chunk;
  b->cur = mark.cur;
  b->begin = begin;
  b->end = region_end(b, mark.chunk);
  b->used_before = mark.used_before;
  poison_unused(b);
  return PM_ARENA_OK;
}

}  // extern "C"
