// Free-list arena inside a caller's (or an owned) buffer.
//
// Everything lives in the buffer and is linked by offsets from its start, so the buffer can
// be handed to another owner and attached again. Layout:
//   [header | bin heads][block][block]...[top header]...untouched...
// Each block starts with one word: size | USED | PREV_USED | a 16-bit tag derived from the
// block's offset (which makes a foreign or interior pointer very unlikely to pass as a
// block). A free block also keeps next/prev links after that word and its size in its last
// word (the boundary tag), so free() finds both neighbours in O(1) and merges them.
// Free blocks sit in segregated lists, four per power of two, indexed by two bitmaps: a
// good fit is found with two count-trailing-zeros, never a scan (the TLSF scheme). Space
// above `top` was never used; it is carved when no free block fits.
// Quick lists (option `quick`): a freed block of at most 64 * align bytes goes, unmerged
// and still marked used to its neighbours, onto a LIFO list of its exact size, and the
// next request of that size takes it back: two header words instead of list surgery and
// merging. When nothing else fits, every quick block is freed for real (merged) and the
// request tried again, so quick lists cost no capacity.
#include <errno.h>
#include <string.h>

#include "arenas/common.hpp"
#include "arenas/arena_walk.hpp"
#include "arenas/poison.hpp"

using namespace pm::arena_detail;

namespace {
constexpr uint64_t kMagic = 0x706d666c61726e31ull;  // "pmflarn1"
constexpr uint32_t kVersion = 3;
constexpr uint32_t kCoalesce = 1u, kSplit = 2u, kOwned = 4u, kQuickOn = 8u;
constexpr uint64_t kUsed = 1u, kPrevUsed = 2u, kTop = 4u;
constexpr uint64_t kSizeMask = ((uint64_t{1} << 48) - 1) & ~uint64_t{7};
constexpr uint64_t kQuick = uint64_t{1} << 48;  // on a quick list (the tag is above it)
constexpr uint64_t kTagMask = ~((uint64_t{1} << 49) - 1);
constexpr unsigned kQuickBins = 64;
constexpr unsigned kMinFl = 5;  // the smallest block is 32 bytes
constexpr unsigned kSlBits = 2, kSlCount = 1u << kSlBits;
}  // namespace

struct pm_freelist {
  uint64_t magic;
  uint32_t version, flags;
  uint64_t size, align, min_block, min_split;
  uint64_t first, top, limit;  // first block, top header, highest offset of the top header
  uint64_t salt;
  // Live blocks (quick blocks are not) and blocks on the lists (quick blocks are not
  // either). The two fields of live blocks are apart, so that GCC does not update them as
  // one vector (a 16-byte load of two 8-byte stores cannot be forwarded).
  uint64_t used_count, free_count, used_bytes, spare;
  uint64_t fl_count, fl_bitmap;
  uint8_t sl_bitmap[48];            // fl_count is at most 43 (sizes below 2^48)
  uint64_t quick_limit;             // requests below this may take a quick block (0: none)
  uint32_t shift, quick_bins;       // log2(align); kQuickBins, or 0 without quick lists
  uint64_t quick_count;
  uint64_t quick[kQuickBins];  // quick list heads by block size / align - 1 (0: empty)
  uint64_t heads[];  // fl_count * kSlCount list heads (offsets; valid where the bit is set)
};
static_assert(sizeof(pm_freelist) == 712, "the header size is documented");

namespace {

using Arena = pm_freelist;

char *base(const Arena *a) { return reinterpret_cast<char *>(const_cast<Arena *>(a)); }
uint64_t &word(const Arena *a, uint64_t off) { return *reinterpret_cast<uint64_t *>(base(a) + off); }
uint64_t bsize(uint64_t h) { return h & kSizeMask; }

uint64_t tag(const Arena *a, uint64_t off) {
  return ((off * 0x9e3779b97f4a7c15ull) ^ a->salt) & kTagMask;
}
uint64_t make(const Arena *a, uint64_t off, uint64_t size, uint64_t flags) {
  return size | flags | tag(a, off);
}

void write_top(Arena *a, uint64_t prev_used) { word(a, a->top) = kTop | prev_used; }

void set_prev_used(Arena *a, uint64_t off, bool used) {
  uint64_t &h = word(a, off);
  h = used ? (h | kPrevUsed) : (h & ~kPrevUsed);
}

// Under ASan, free space is poisoned except the words the arena itself reads: a free
// block's header, links (+8, +16) and boundary tag (last word), a quick block's header and
// link, and the top header.
void poison_free(const Arena *a, uint64_t b, uint64_t size) {
  if (size > 32) poison(base(a) + b + 24, size - 32);
}
void poison_quick(const Arena *a, uint64_t b, uint64_t size) { poison(base(a) + b + 16, size - 16); }
void poison_top(const Arena *a) { poison_range(base(a) + a->top + 8, base(a) + a->limit + 8); }
void unpoison_block(const Arena *a, uint64_t b, uint64_t n) { unpoison(base(a) + b, n); }

unsigned log2_floor(uint64_t x) { return 63u - static_cast<unsigned>(__builtin_clzll(x)); }

// The list a free block of `size` belongs to.
void bin_of(uint64_t size, unsigned *fl, unsigned *sl) {
  unsigned f = log2_floor(size);
  *sl = static_cast<unsigned>(size >> (f - kSlBits)) & (kSlCount - 1);
  *fl = f - kMinFl;
}

uint64_t &head(Arena *a, unsigned fl, unsigned sl) { return a->heads[fl * kSlCount + sl]; }
uint64_t &next_of(Arena *a, uint64_t b) { return word(a, b + 8); }
uint64_t &prev_of(Arena *a, uint64_t b) { return word(a, b + 16); }

void insert(Arena *a, uint64_t b, uint64_t size) {
  unsigned fl, sl;
  bin_of(size, &fl, &sl);
  uint64_t next = (a->sl_bitmap[fl] >> sl) & 1u ? head(a, fl, sl) : 0;
  next_of(a, b) = next;
  prev_of(a, b) = 0;
  if (next != 0) prev_of(a, next) = b;
  head(a, fl, sl) = b;
  a->sl_bitmap[fl] = static_cast<uint8_t>(a->sl_bitmap[fl] | (1u << sl));
  a->fl_bitmap |= uint64_t{1} << fl;
  word(a, b + size - 8) = size;  // boundary tag
  a->free_count++;
}

void remove(Arena *a, uint64_t b, uint64_t size) {
  unsigned fl, sl;
  bin_of(size, &fl, &sl);
  uint64_t next = next_of(a, b), prev = prev_of(a, b);
  if (prev != 0) next_of(a, prev) = next; else head(a, fl, sl) = next;
  if (next != 0) prev_of(a, next) = prev;
  if (prev == 0 && next == 0) {
    a->sl_bitmap[fl] = static_cast<uint8_t>(a->sl_bitmap[fl] & ~(1u << sl));
    if (a->sl_bitmap[fl] == 0) a->fl_bitmap &= ~(uint64_t{1} << fl);
  }
  a->free_count--;
}

// A free block of at least `need` bytes, or 0. Rounding the request up to the next list
// boundary makes any block of the list found fit (good fit in O(1)); failing that, the
// head of the request's own list may still fit.
uint64_t find(Arena *a, uint64_t need) {
  unsigned fl, sl;
  bin_of(need + (uint64_t{1} << (log2_floor(need) - kSlBits)) - 1, &fl, &sl);
  if (fl < a->fl_count) {
    unsigned sl_map = a->sl_bitmap[fl] & (~0u << sl) & ((1u << kSlCount) - 1);
    if (sl_map == 0) {
      uint64_t fl_map = fl + 1 < 64 ? a->fl_bitmap & (~uint64_t{0} << (fl + 1)) : 0;
      if (fl_map != 0) {
        fl = static_cast<unsigned>(__builtin_ctzll(fl_map));
        sl_map = a->sl_bitmap[fl];
      }
    }
    if (sl_map != 0) return head(a, fl, static_cast<unsigned>(__builtin_ctz(sl_map)));
  }
  bin_of(need, &fl, &sl);
  if (fl < a->fl_count && ((a->sl_bitmap[fl] >> sl) & 1u)) {
    uint64_t b = head(a, fl, sl);
    if (bsize(word(a, b)) >= need) return b;
  }
  return 0;
}

// Makes [b, b+size) free: merges it with a free next block or the top (when coalescing),
// then files it. prev_used is the state of the block before b.
void free_region(Arena *a, uint64_t b, uint64_t size, uint64_t prev_used) {
  uint64_t nb = b + size;
  if (a->flags & kCoalesce) {
    if (nb == a->top) {  // give it back to the untouched space
      a->top = b;
      write_top(a, prev_used);
      poison_top(a);
      return;
    }
    uint64_t nh = word(a, nb);
    if (!(nh & kUsed)) {
      remove(a, nb, bsize(nh));
      size += bsize(nh);
      nb = b + size;
    }
  }
  word(a, b) = make(a, b, size, prev_used);
  insert(a, b, size);
  set_prev_used(a, nb, false);
  poison_free(a, b, size);
}

bool splittable(const Arena *a, uint64_t have, uint64_t need) {
  return (a->flags & kSplit) && have - need >= a->min_split;
}

// Marks the `size` bytes at b used, giving the tail beyond `need` back when it may be
// split off; returns the size the block keeps.
uint64_t settle_used(Arena *a, uint64_t b, uint64_t size, uint64_t need, uint64_t prev_used) {
  if (splittable(a, size, need)) {
    word(a, b) = make(a, b, need, kUsed | prev_used);
    free_region(a, b + need, size - need, kPrevUsed);
    return need;
  }
  word(a, b) = make(a, b, size, kUsed | prev_used);
  set_prev_used(a, b + size, true);
  return size;
}

// Hands out the free block b (already off its list), split to `need` when allowed.
void use_block(Arena *a, uint64_t b, uint64_t size, uint64_t need) {
  size = settle_used(a, b, size, need, word(a, b) & kPrevUsed);
  a->used_count++;
  a->used_bytes += size;
}

// The block size for a request of n bytes (header included), or 0 when too big.
uint64_t need_for(const Arena *a, size_t n) {
  size_t need;
  if (n > a->size || !align_up(n + 8, a->align, &need)) return 0;
  return need < a->min_block ? a->min_block : need;
}

// The block whose payload is ptr, or the error that rules it out. The header alone decides:
// its tag (from the offset and the arena's salt) rules out foreign and interior pointers,
// and a stale pointer never finds USED without QUICK there (release clears USED before a
// block is merged away, and carving or splitting writes fresh headers only at block
// starts), so the next block's PREV_USED, another cache line per free, is not read.
int lookup(const Arena *a, const void *ptr, uint64_t *block) {
  if (a == nullptr) return PM_ARENA_EINVAL;
  const char *p = static_cast<const char *>(ptr);
  if (p < base(a) + a->first + 8 || p >= base(a) + a->limit + 8) return PM_ARENA_ENOTOWNED;
  uint64_t b = static_cast<uint64_t>(p - base(a)) - 8;
  if ((b - a->first) & (a->align - 1)) return PM_ARENA_ENOTOWNED;
  if (b >= a->top) return PM_ARENA_EDOUBLEFREE;  // freed, then merged into the unused space
  if (!readable(base(a) + b, 8)) return PM_ARENA_EDOUBLEFREE;  // inside poisoned free space
  uint64_t h = word(a, b), size = bsize(h);
  if ((h & kTagMask) != tag(a, b) || (h & kTop) || size < a->min_block ||
      (size & (a->align - 1)) || size > a->top - b)
    return PM_ARENA_ENOTOWNED;
  if (!(h & kUsed) || (h & kQuick)) return PM_ARENA_EDOUBLEFREE;
  *block = b;
  return PM_ARENA_OK;
}

// Free bytes in blocks (the lists and the quick lists): every block between first and top
// is used or free.
uint64_t free_bytes(const Arena *a) { return a->top - a->first - a->used_bytes; }

void release(Arena *a, uint64_t b) {
  uint64_t h = word(a, b), size = bsize(h), prev_used = h & kPrevUsed;
  word(a, b) = h & ~kUsed;  // a second free of b is caught even once b is merged away
  a->used_count--;
  a->used_bytes -= size;
  if ((a->flags & kCoalesce) && !prev_used) {
    uint64_t psize = word(a, b - 8), pb = b - psize;
    remove(a, pb, psize);
    b = pb;
    size += psize;
    prev_used = word(a, pb) & kPrevUsed;
  }
  free_region(a, b, size, prev_used);
}

uint64_t header_bytes(uint64_t fl_count) {
  return sizeof(Arena) + fl_count * kSlCount * sizeof(uint64_t);
}

uint64_t fl_count_for(uint64_t size) { return size < 64 ? 1 : log2_floor(size) - kMinFl + 1; }

void clear(Arena *a) {
  a->top = a->first;
  write_top(a, kPrevUsed);
  a->fl_bitmap = 0;
  memset(a->sl_bitmap, 0, sizeof a->sl_bitmap);
  a->used_count = a->used_bytes = a->free_count = 0;
  a->quick_count = 0;
  memset(a->quick, 0, sizeof a->quick);
  poison_top(a);
}

// The quick list for blocks of `size` bytes (a multiple of align, at least min_block), or -1
// when they do not go on one.
int quick_bin(const Arena *a, uint64_t size) {
  uint64_t bin = (size >> a->shift) - 1;  // no division here
  return bin < a->quick_bins ? static_cast<int>(bin) : -1;
}

// Frees the used block b onto its quick list (true), or leaves it (false).
// Puts used block b (header h, `size` bytes) on quick list `bin`.
inline void quick_link(Arena *a, uint64_t b, uint64_t h, uint64_t size, uint64_t bin) {
  word(a, b) = h | kQuick;
  word(a, b + 8) = a->quick[bin];
  poison_quick(a, b, size);
  a->quick[bin] = b;
  a->quick_count++;
  a->used_count--;
  a->used_bytes -= size;
}

bool quick_push(Arena *a, uint64_t b) {
  uint64_t h = word(a, b), size = bsize(h);
  int bin = quick_bin(a, size);
  if (bin < 0) return false;
  quick_link(a, b, h, size, uint64_t(bin));
  return true;
}

// A quick block of exactly `need` bytes, handed out again, or 0.
// Takes block b, the head of quick list `bin`, for a request of `need` bytes (the in-line
// malloc path and quick_pop share it).
inline __attribute__((always_inline)) void quick_take(Arena *a, uint64_t bin, uint64_t b, uint64_t need) {
  a->quick[bin] = word(a, b + 8);
  unpoison_block(a, b, need);
  word(a, b) &= ~kQuick;
  a->quick_count--;
  a->used_count++;
  a->used_bytes += need;
}

uint64_t quick_pop(Arena *a, uint64_t need) {
  int bin = quick_bin(a, need);
  if (bin < 0 || a->quick[bin] == 0) return 0;
  uint64_t b = a->quick[bin];
  quick_take(a, uint64_t(bin), b, need);
  return b;
}

void release(Arena *a, uint64_t b);

// Takes the quick block b off its list (a scan of that one list), as quick_pop would.
bool quick_take(Arena *a, uint64_t b) {
  uint64_t size = bsize(word(a, b));
  int bin = quick_bin(a, size);
  if (bin < 0) return false;
  for (uint64_t *link = &a->quick[bin]; *link != 0; link = &word(a, *link + 8)) {
    if (*link != b) continue;
    *link = word(a, b + 8);
    unpoison_block(a, b, size);
    word(a, b) &= ~kQuick;
    a->quick_count--;
    a->used_count++;
    a->used_bytes += size;
    return true;
  }
  return false;
}

// Frees every quick block for real (merging it with its neighbours).
void quick_flush(Arena *a) {
  for (unsigned bin = 0; bin < kQuickBins && a->quick_count != 0; bin++) {
    while (uint64_t b = quick_pop(a, (bin + 1) * a->align)) release(a, b);
  }
}

}  // namespace

namespace {

// Every allocation but an exact-size quick block (pm_freelist_malloc's fast path).
__attribute__((noinline)) void *malloc_slow(Arena *a, size_t n) {
  if (a == nullptr) return nullptr;
  uint64_t need = need_for(a, n);
  if (need == 0) return nullptr;
  uint64_t b = find(a, need);
  if (b == 0 && need > a->limit - a->top && a->quick_count != 0) {
    quick_flush(a);  // nothing else fits: merge the quick blocks and look again
    b = find(a, need);
  }
  if (b != 0) {
    remove(a, b, bsize(word(a, b)));
    unpoison_block(a, b, bsize(word(a, b)));
    use_block(a, b, bsize(word(a, b)), need);
  } else if (need <= a->limit - a->top) {  // carve from the untouched space
    b = a->top;
    unpoison_block(a, b, need + 8);
    word(a, b) = make(a, b, need, kUsed | (word(a, b) & kPrevUsed));
    a->top += need;
    write_top(a, kPrevUsed);
    a->used_count++;
    a->used_bytes += need;
  } else {
    return nullptr;
  }
  return base(a) + b + 8;
}

// Every free but a block going onto a quick list (pm_freelist_dealloc's fast path).
__attribute__((noinline)) int dealloc_slow(Arena *a, void *ptr) {
  if (ptr == nullptr) return a == nullptr ? PM_ARENA_EINVAL : PM_ARENA_OK;
  uint64_t b;
  int rc = lookup(a, ptr, &b);
  if (rc == PM_ARENA_OK && !quick_push(a, b)) release(a, b);
  return rc;
}

}  // namespace

namespace pm::arena_detail {

// Steps by the size in each block's header (the same word free() reads), checking it the
// way lookup() does, so a damaged arena ends the walk instead of sending it astray.
FreeListStep freelist_step(const pm_freelist_t *a, uint64_t *cursor, FreeListBlock *out) {
  uint64_t b = *cursor == 0 ? a->first : *cursor;
  if (b == a->top) return FreeListStep::kEnd;
  if (b > a->top || a->top > a->limit) return FreeListStep::kCorrupt;
  uint64_t h = word(a, b), size = bsize(h);
  if ((h & kTagMask) != tag(a, b) || (h & kTop) || size < a->min_block ||
      (size & (a->align - 1)) || size > a->top - b)
    return FreeListStep::kCorrupt;
  *out = FreeListBlock{base(a) + b + 8, size - 8, (h & kUsed) != 0 && !(h & kQuick)};
  *cursor = b + size;
  return FreeListStep::kBlock;
}

}  // namespace pm::arena_detail

extern "C" {

PM_API pm_freelist_t *pm_freelist_create_ex(void *buffer, size_t size,
                                            const pm_freelist_options_t *opts, int *error) {
  int dummy;
  int &err = error != nullptr ? *error : dummy;
  static const pm_freelist_options_t defaults = PM_FREELIST_OPTIONS_DEFAULT;
  const pm_freelist_options_t &o = opts != nullptr ? *opts : defaults;
  uintptr_t addr = reinterpret_cast<uintptr_t>(buffer);
  err = PM_ARENA_EINVAL;
  if (buffer == nullptr || !is_pow2(o.align) || o.align < 8 || size >= (uint64_t{1} << 48))
    return nullptr;
  if ((addr & 7) != 0) {
    err = PM_ARENA_EALIGN;
    return nullptr;
  }
  uint64_t fl_count = fl_count_for(size);
  // The first payload (block + 8) is aligned in memory; attach checks it stays so.
  uint64_t first = align_addr(addr + header_bytes(fl_count) + 8, o.align) - 8 - addr;
  uint64_t min_block = o.align > 32 ? o.align : 32;
  if (size < 8 || first + min_block + 8 > size) {
    err = PM_ARENA_ETOOSMALL;
    return nullptr;
  }
  err = PM_ARENA_OK;
  auto *a = static_cast<Arena *>(buffer);
  memset(a, 0, sizeof(Arena));
  a->magic = kMagic;
  a->version = kVersion;
  a->flags = (o.coalesce ? kCoalesce : 0) | (o.split ? kSplit : 0) | (o.quick ? kQuickOn : 0);
  a->size = size;
  a->align = o.align;
  a->min_block = min_block;
  a->min_split = o.min_split > min_block ? o.min_split : min_block;
  a->first = first;
  a->limit = first + (size - 8 - first) / o.align * o.align;
  a->shift = static_cast<uint32_t>(__builtin_ctzll(o.align));
  a->quick_bins = o.quick ? kQuickBins : 0;
  a->quick_limit = o.quick ? (uint64_t{kQuickBins} << a->shift) - 7 : 0;
  a->salt = (addr * 0xff51afd7ed558ccdull) ^ size;
  a->fl_count = fl_count;
  clear(a);
  return a;
}

PM_API pm_freelist_t *pm_freelist_create(void *buffer, size_t size,
                                         const pm_freelist_options_t *opts) {
  int err;
  pm_freelist_t *a = pm_freelist_create_ex(buffer, size, opts, &err);
  if (a == nullptr) errno = EINVAL;
  return a;
}

PM_API pm_freelist_t *pm_freelist_new(size_t capacity, const pm_freelist_options_t *opts) {
  size_t align = opts != nullptr && is_pow2(opts->align) ? opts->align : kHeapAlign;
  void *buf = heap_alloc(capacity, align > kHeapAlign ? align : kHeapAlign);
  if (buf == nullptr) return nullptr;
  pm_freelist_t *a = pm_freelist_create(buf, capacity, opts);
  if (a == nullptr) {
    pm_free(buf);
    return nullptr;
  }
  a->flags |= kOwned;
  return a;
}

PM_API pm_freelist_t *pm_freelist_attach(void *buffer, size_t size) {
  auto *a = static_cast<Arena *>(buffer);
  uintptr_t addr = reinterpret_cast<uintptr_t>(buffer);
  if (a == nullptr || (addr & 7) != 0 || size < sizeof(Arena)) return nullptr;
  if (a->magic != kMagic || a->version != kVersion || a->size != size || !is_pow2(a->align) ||
      a->align < 8 || a->min_block != (a->align > 32 ? a->align : 32) ||
      a->min_split < a->min_block || a->fl_count != fl_count_for(size) ||
      a->shift != static_cast<uint32_t>(__builtin_ctzll(a->align)) ||
      a->quick_bins != ((a->flags & kQuickOn) ? kQuickBins : 0) ||
      a->quick_limit != (a->quick_bins != 0 ? (uint64_t{kQuickBins} << a->shift) - 7 : 0) ||
      a->first < header_bytes(a->fl_count) || a->limit > size - 8 || a->top < a->first ||
      a->top > a->limit || ((a->top - a->first) & (a->align - 1)) ||
      ((addr + a->first + 8) & (a->align - 1)) != 0)
    return nullptr;
#if PM_ARENAS_ASAN
  // A copied or handed-over buffer: poison its free space again, block by block.
  for (uint64_t b = a->first; b < a->top;) {
    uint64_t h = word(a, b), size = bsize(h);
    if (size < a->min_block || size > a->top - b) break;  // damaged: leave the rest readable
    if (h & kQuick) poison_quick(a, b, size);
    else if (!(h & kUsed)) poison_free(a, b, size);
    b += size;
  }
  poison_top(a);
#endif
  return a;
}

PM_API void pm_freelist_free(pm_freelist_t *fl) {
  if (fl == nullptr || !(fl->flags & kOwned)) return;
  unpoison(fl, fl->size);
  fl->magic = 0;
  pm_free(fl);
}

PM_API void *pm_freelist_buffer(const pm_freelist_t *fl) { return base(fl); }
PM_API size_t pm_freelist_size(const pm_freelist_t *fl) { return fl == nullptr ? 0 : fl->size; }
PM_API size_t pm_freelist_align(const pm_freelist_t *fl) { return fl == nullptr ? 0 : fl->align; }

PM_API void *pm_freelist_malloc(pm_freelist_t *a, size_t n) {
  // The fast path: the quick list of the request's block size has a block. The limit keeps
  // the size within the quick lists (need <= kQuickBins * align), so no bin check is left.
  if (a != nullptr && n < a->quick_limit) {
    uint64_t need = (n + 8 + a->align - 1) & ~(a->align - 1);
    if (need < a->min_block) need = a->min_block;
    uint64_t bin = (need >> a->shift) - 1;
    if (uint64_t b = a->quick[bin]) {
      quick_take(a, bin, b, need);
      return base(a) + b + 8;
    }
  }
  return malloc_slow(a, n);
}

PM_API void *pm_freelist_aligned_alloc(pm_freelist_t *a, size_t align, size_t n) {
  if (a == nullptr || !is_pow2(align)) return nullptr;
  if (align <= a->align) return pm_freelist_malloc(a, n);
  // Take a block with room for the worst leading gap, then give the gap back as a free
  // block in front (a gap is a multiple of a->align; one below min_block moves up by align).
  uint64_t need = need_for(a, n);
  size_t extra;
  if (need == 0 || __builtin_add_overflow(static_cast<size_t>(need), align + a->min_block, &extra))
    return nullptr;
  char *p = static_cast<char *>(pm_freelist_malloc(a, extra - 8));
  if (p == nullptr) return nullptr;
  uint64_t b = static_cast<uint64_t>(p - base(a)) - 8;
  uint64_t h = word(a, b), size = bsize(h), prev_used = h & kPrevUsed;
  uintptr_t q = align_addr(reinterpret_cast<uintptr_t>(p), align);
  uint64_t gap = q - reinterpret_cast<uintptr_t>(p);
  if (gap != 0 && gap < a->min_block) gap += align;
  if (gap == 0) return p;
  uint64_t nb = b + gap;
  a->used_bytes -= size;
  uint64_t kept = settle_used(a, nb, size - gap, need, 0);
  a->used_bytes += kept;
  // The gap is free; free_region files it and clears PREV_USED of the block after it.
  free_region(a, b, gap, prev_used);
  return base(a) + nb + 8;
}

PM_API void *pm_freelist_malloc_fill(pm_freelist_t *a, size_t n, int fill) {
  void *p = pm_freelist_malloc(a, n);
  if (p != nullptr) memset(p, fill, pm_freelist_usable_size(a, p));
  return p;
}

PM_API void *pm_freelist_calloc(pm_freelist_t *a, size_t n, int fill) {
  return pm_freelist_malloc_fill(a, n, fill);
}

PM_API int pm_freelist_dealloc(pm_freelist_t *a, void *ptr) {
  // The fast path: a live block of a quick size goes onto its quick list. The checks are
  // lookup's, folded: [first, top), aligned, the tag and flags of a live block (one
  // comparison) and a size that fits.
  if (a != nullptr) {
    uint64_t b = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ptr) -
                                       reinterpret_cast<uintptr_t>(a)) - 8;
    uint64_t rel = b - a->first;
    if (rel < a->top - a->first && (rel & (a->align - 1)) == 0 && readable(base(a) + b, 8)) {
      uint64_t h = word(a, b), size = bsize(h), bin = (size >> a->shift) - 1;
      if ((h & (kTagMask | kTop | kUsed | kQuick)) == (tag(a, b) | kUsed) &&
          bin < a->quick_bins && size >= a->min_block && (size & (a->align - 1)) == 0 &&
          size <= a->top - b) {
        quick_link(a, b, h, size, bin);
        return PM_ARENA_OK;
      }
    }
  }
  return dealloc_slow(a, ptr);
}

PM_API void *pm_freelist_realloc(pm_freelist_t *a, void *ptr, size_t n) {
  if (ptr == nullptr) return pm_freelist_malloc(a, n);
  uint64_t b;
  if (lookup(a, ptr, &b) != PM_ARENA_OK) return nullptr;
  if (n == 0) {
    release(a, b);
    return nullptr;
  }
  uint64_t need = need_for(a, n);
  if (need == 0) return nullptr;
  uint64_t h = word(a, b), size = bsize(h), prev_used = h & kPrevUsed, nb = b + size;
  if (need <= size) {  // shrink in place, giving the tail back when it is worth a block
    if (splittable(a, size, need)) {
      word(a, b) = make(a, b, need, kUsed | prev_used);
      a->used_bytes -= size - need;
      free_region(a, b + need, size - need, kPrevUsed);
    }
    return ptr;
  }
  if (nb == a->top && need - size <= a->limit - a->top) {  // grow into the untouched space
    unpoison_block(a, nb, need - size + 8);
    word(a, b) = make(a, b, need, kUsed | prev_used);
    a->top = b + need;
    write_top(a, kPrevUsed);
    a->used_bytes += need - size;
    return ptr;
  }
  uint64_t nh = word(a, nb);
  if (nb != a->top && (nh & kQuick) && size + bsize(nh) >= need && quick_take(a, nb)) {
    release(a, nb);  // a quick neighbour: free it for real, so it can be absorbed
    nh = word(a, nb);
  }
  if (nb != a->top && !(nh & kUsed) && size + bsize(nh) >= need) {  // absorb a free neighbour
    uint64_t total = size + bsize(nh);
    remove(a, nb, bsize(nh));
    unpoison_block(a, nb, bsize(nh));
    total = settle_used(a, b, total, need, prev_used);
    a->used_bytes += total - size;
    return ptr;
  }
  void *q = pm_freelist_malloc(a, n);
  if (q == nullptr) return nullptr;  // C semantics: the old block stays
  memcpy(q, ptr, size - 8);
  release(a, b);
  return q;
}

PM_API size_t pm_freelist_usable_size(const pm_freelist_t *a, const void *ptr) {
  uint64_t b;
  if (ptr == nullptr || lookup(a, ptr, &b) != PM_ARENA_OK) return 0;
  return bsize(word(a, b)) - 8;
}

PM_API void pm_freelist_free_all(pm_freelist_t *a) {
  if (a != nullptr) clear(a);
}

PM_API size_t pm_freelist_remaining(const pm_freelist_t *a) {
  return a == nullptr ? 0 : free_bytes(a) + (a->limit - a->top);
}

PM_API size_t pm_freelist_total_allocated(const pm_freelist_t *a) {
  return a == nullptr ? 0 : a->used_bytes;
}

PM_API void pm_freelist_detach(pm_freelist_t *a) {
  if (a != nullptr) unpoison(a, a->size);
}

PM_API int pm_freelist_copy_onto(const pm_freelist_t *a, const void *src, size_t src_start,
                                 void *dst, size_t dst_start, size_t len) {
  if (a == nullptr) return PM_ARENA_EINVAL;
  return checked_copy(src, src_start, pm_freelist_usable_size(a, src), dst, dst_start,
                      pm_freelist_usable_size(a, dst), len);
}

PM_API void pm_freelist_stats(const pm_freelist_t *a, pm_freelist_stats_t *out) {
  if (out == nullptr) return;
  memset(out, 0, sizeof *out);
  if (a == nullptr) return;
  out->free_count = a->free_count + a->quick_count;
  out->free_bytes = free_bytes(a);
  out->used_count = a->used_count;
  out->used_bytes = a->used_bytes;
  out->top = a->top;
  out->available = out->free_bytes + (a->limit - a->top);
  out->total = a->size;
}

}  // extern "C"
