/* poolmalloc scoped arenas: the C API.
 *
 * Layout/allocation helpers, sized and aligned entry points on the global allocator, and
 * five kinds of arena (bump, stack, pool, free-list, per-thread scratch). Arenas take their
 * memory from the global allocator (pm_malloc/pm_aligned_alloc) unless given a buffer.
 *
 * Conventions:
 * - Allocation failure (exhaustion, a limit reached, a bad layout) gives a NULL pointer
 *   (pm_allocation_t.ptr == NULL). Nothing here aborts the process on arena misuse.
 * - Misuse (a block that is not on top, a foreign or already freed block, a stale mark) is
 *   reported by the functions that return int: PM_ARENA_OK (0) on success, otherwise one of
 *   the pm_arena_error codes below. pm_arena_strerror() names them.
 * - An arena is not thread-safe: use one from one thread at a time.
 * - pm_X_init/pm_X_destroy work on caller storage (the structs below are public only so that
 *   they can live on the stack or inside a C++ object; their fields are private);
 *   pm_X_new/pm_X_free allocate the arena object itself from the global allocator.
 *   Freeing one block of an arena is pm_X_dealloc, never pm_X_free. */
#ifndef POOLMALLOC_ARENAS_H
#define POOLMALLOC_ARENAS_H

/* This header stands on its own; poolmalloc.h (the umbrella) includes it and the heap API. */
#include <stddef.h>
#include <stdint.h>

#ifndef PM_API
#if defined(__GNUC__)
#define PM_API __attribute__((visibility("default")))
#else
#define PM_API
#endif
#endif
/* The largest size any allocation accepts (the same definition as in poolmalloc.h). */
#ifndef PM_MAX_ALLOC_SIZE
#define PM_MAX_ALLOC_SIZE ((size_t)PTRDIFF_MAX - (size_t)(1u << 22))
#endif
#if defined(__GNUC__)
#define PM_ARENAS_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define PM_ARENAS_DEPRECATED(msg)
#endif

/* Built with AddressSanitizer: the arenas poison the memory they do not hand out, and the
 * C++ header leaves its inline fast paths to the C functions (which do the poisoning). */
#if defined(__SANITIZE_ADDRESS__)
#define PM_ARENAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PM_ARENAS_ASAN 1
#endif
#endif
#ifndef PM_ARENAS_ASAN
#define PM_ARENAS_ASAN 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------------------------ */
enum pm_arena_error {
  PM_ARENA_OK = 0,
  PM_ARENA_EINVAL = 1,      /* bad argument: NULL arena, alignment not a power of two, overflow */
  PM_ARENA_ENOMEM = 2,      /* the arena (or its upstream) is exhausted, or a limit was reached */
  PM_ARENA_ENOTOWNED = 3,   /* the pointer is not a block of this arena (or of the heap) */
  PM_ARENA_EDOUBLEFREE = 4, /* the block is already free */
  PM_ARENA_ENOTTOP = 5,     /* stack arena: the block is not the most recent one */
  PM_ARENA_EEMPTY = 6,      /* stack arena: nothing to pop */
  PM_ARENA_ERANGE = 7,      /* copy_onto: the range leaves a block */
  PM_ARENA_EBADMARK = 8,    /* bump arena: the mark is not at or below the current position */
  PM_ARENA_ECORRUPT = 9,    /* free-list attach: the buffer holds no valid arena */
  PM_ARENA_EALIGN = 10,     /* free-list create: the buffer is not 8-byte aligned */
  PM_ARENA_ETOOSMALL = 11   /* free-list create: the buffer cannot hold the header and a block */
};
PM_API const char *pm_arena_strerror(int code);

/* ---- layouts and allocations ------------------------------------------------------------- */
typedef struct pm_layout {
  size_t size;  /* bytes */
  size_t align; /* a power of two */
} pm_layout_t;

/* ptr == NULL on failure; size may exceed the request and all of it is usable. */
typedef struct pm_allocation {
  void *ptr;
  size_t size;
} pm_allocation_t;

/* Each returns PM_ARENA_OK and fills *out, or PM_ARENA_EINVAL (alignment not a power of
 * two, or the size rounded up to the alignment would pass PM_MAX_ALLOC_SIZE). */
PM_API int pm_layout_from_size_align(size_t size, size_t align, pm_layout_t *out);
/* n elements, each padded to its alignment. */
PM_API int pm_layout_array(size_t elem_size, size_t elem_align, size_t n, pm_layout_t *out);
/* Appends field `next` after `base` (padding before it included); *offset gets its offset.
 * The result has no trailing padding: pm_layout_pad_to_align gives the sizeof of a struct. */
PM_API int pm_layout_extend(pm_layout_t base, pm_layout_t next, pm_layout_t *out,
                            size_t *offset);
PM_API int pm_layout_pad_to_align(pm_layout_t layout, pm_layout_t *out);

/* ---- sized and aligned entry points on the global allocator ------------------------------ */
/* size is pm_usable_size() of the block. A zero size still gives a unique block. */
PM_API pm_allocation_t pm_global_alloc(pm_layout_t layout);
PM_API pm_allocation_t pm_global_alloc_zeroed(pm_layout_t layout);
PM_API void pm_global_dealloc(void *ptr, pm_layout_t layout);
/* Keeps the alignment of new_layout; on failure ptr is NULL and the old block is intact. */
PM_API pm_allocation_t pm_global_realloc(void *ptr, pm_layout_t old_layout,
                                         pm_layout_t new_layout);

/* Copies len bytes from src+src_start to dst+dst_start (overlap allowed). Both must be live
 * blocks of the global heap (allocated and not freed) and both ranges must lie within
 * pm_usable_size. Returns PM_ARENA_OK, PM_ARENA_ENOTOWNED (NULL, not a heap block, or a
 * block already freed) or PM_ARENA_ERANGE. */
PM_API int pm_copy_onto(const void *src, size_t src_start, void *dst, size_t dst_start,
                        size_t len);

/* Where an arena takes its chunks from. NULL wherever a pm_upstream_t* is taken means the
 * global allocator. alloc returns NULL on failure. */
typedef struct pm_upstream {
  void *(*alloc)(void *ctx, size_t size, size_t align);
  void (*dealloc)(void *ctx, void *ptr, size_t size, size_t align);
  void *ctx;
} pm_upstream_t;

/* ---- bump arena -------------------------------------------------------------------------- */
typedef struct pm_bump_chunk pm_bump_chunk_t;
typedef struct pm_bump {
  char *cur, *end;         /* free range of the current region (read inline by C++) */
  char *begin;             /* start of the current region (read inline by C++) */
  pm_bump_chunk_t *chunk;  /* current chunk, NULL while in the base region */
  pm_bump_chunk_t *chunks; /* chunks taken from upstream, in order of use */
  char *base;              /* the first region: the caller's buffer or an owned block */
  size_t base_size;
  size_t used_before;      /* bytes used in the regions before the current one */
  size_t next_chunk, max_chunk, limit, held;
  size_t epoch;            /* counts resets: a mark from an earlier epoch is stale */
  pm_upstream_t upstream;
  unsigned flags;
} pm_bump_t;

/* A position to rewind to (pm_bump_mark). */
typedef struct pm_bump_mark {
  pm_bump_chunk_t *chunk;
  char *cur;
  size_t used_before;
  size_t epoch;
} pm_bump_mark_t;

typedef struct pm_bump_options {
  int grow;          /* nonzero: take chunks from upstream when the current region is full */
  size_t chunk_size; /* the first chunk (0: 64 KiB); each next one doubles ... */
  size_t max_chunk;  /* ... up to this (0: 64 MiB); a bigger request gets its own chunk */
  size_t limit;      /* the most bytes held from upstream at once, base included (0: none) */
  const pm_upstream_t *upstream;
} pm_bump_options_t;

/* buffer != NULL: allocate from [buffer, buffer+size), not owned. buffer == NULL: take
 * `size` bytes from upstream now (size 0 with growth: on the first allocation). opts NULL:
 * a fixed region without growth. Returns PM_ARENA_OK, EINVAL or ENOMEM. */
PM_API int pm_bump_init(pm_bump_t *b, void *buffer, size_t size, const pm_bump_options_t *opts);
PM_API void pm_bump_destroy(pm_bump_t *b);
PM_API pm_bump_t *pm_bump_new(size_t capacity); /* owned, fixed capacity; NULL on failure */
PM_API pm_bump_t *pm_bump_new_ex(void *buffer, size_t size, const pm_bump_options_t *opts);
PM_API void pm_bump_free(pm_bump_t *b);

PM_API pm_allocation_t pm_bump_alloc(pm_bump_t *b, pm_layout_t layout);
PM_API pm_allocation_t pm_bump_alloc_zeroed(pm_bump_t *b, pm_layout_t layout);
/* Gives the block back when it is the most recent one (1), else does nothing (0). */
PM_API int pm_bump_dealloc(pm_bump_t *b, void *ptr, size_t size);
/* Frees every block; keeps the first region and the newest (largest) chunk as a spare for
 * the next round, gives the other chunks back. pm_bump_destroy gives back everything. */
PM_API void pm_bump_reset(pm_bump_t *b);
/* Bytes left in the current region (what fits at alignment 1 without growing). */
PM_API size_t pm_bump_remaining(const pm_bump_t *b);
/* Bytes handed out since the last reset, alignment padding included (rewind lowers it). */
PM_API size_t pm_bump_total_allocated(const pm_bump_t *b);
/* Bytes held from upstream (or the buffer's size). */
PM_API size_t pm_bump_capacity(const pm_bump_t *b);
PM_API pm_bump_mark_t pm_bump_mark(const pm_bump_t *b);
/* Frees every block allocated after the mark. PM_ARENA_EBADMARK when the mark is not at or
 * below the current position (for example after a rewind below it), or was taken before
 * the last pm_bump_reset. */
PM_API int pm_bump_rewind(pm_bump_t *b, pm_bump_mark_t mark);

/* ---- stack arena ------------------------------------------------------------------------- */
typedef struct pm_stack {
  char *top;   /* the first free byte (read and written inline by C++) */
  char *last;  /* the most recent block, NULL when empty (inline too) */
  char *end;   /* base + capacity */
  char *base;
  unsigned flags;
} pm_stack_t;

/* buffer NULL: an owned capacity from the global allocator. */
PM_API int pm_stack_init(pm_stack_t *s, void *buffer, size_t capacity);
PM_API void pm_stack_destroy(pm_stack_t *s);
PM_API pm_stack_t *pm_stack_new(size_t capacity);
PM_API pm_stack_t *pm_stack_new_buffer(void *buffer, size_t size);
PM_API void pm_stack_free(pm_stack_t *s);

/* Each block costs a 16-byte header (the previous top and the previous block). */
PM_API pm_allocation_t pm_stack_alloc(pm_stack_t *s, pm_layout_t layout);
PM_API pm_allocation_t pm_stack_alloc_zeroed(pm_stack_t *s, pm_layout_t layout);
/* Frees the most recent block: PM_ARENA_OK or PM_ARENA_EEMPTY. */
PM_API int pm_stack_pop(pm_stack_t *s);
/* Frees ptr, which must be the most recent block: OK, ENOTTOP (a live block below the top,
 * nothing freed), ENOTOWNED (not a block of this stack) or EEMPTY. */
PM_API int pm_stack_dealloc(pm_stack_t *s, void *ptr);
PM_API void pm_stack_reset(pm_stack_t *s);
PM_API size_t pm_stack_remaining(const pm_stack_t *s);
/* Live blocks: a walk down the blocks, O(count) (push and pop keep no counter). */
PM_API size_t pm_stack_count(const pm_stack_t *s);
/* The live block that starts at ptr: its requested size, or 0 (not a live block). */
PM_API size_t pm_stack_block_size(const pm_stack_t *s, const void *ptr);

/* ---- pool -------------------------------------------------------------------------------- */
/* The slab and pool fields are private; they are spelled out so that C++ (poolmalloc.hpp)
 * can inline the fast paths of alloc and dealloc over the same state. A slab keeps the
 * indices of its freed blocks on a stack and one byte per block that says whether it is
 * allocated (5 bytes of metadata per block), so neither alloc nor dealloc reads or writes
 * the blocks themselves. */
typedef struct pm_pool_slab {
  struct pm_pool_slab *next;       /* every slab */
  char *begin;                     /* the blocks */
  size_t span;                     /* their bytes: nblocks * block_size */
  uint32_t *stack;                 /* indices of freed blocks; the last one is reused first */
  size_t nstack;                   /* entries on the stack */
  size_t fresh;                    /* blocks [fresh, nblocks) were never handed out */
  size_t nblocks;
  unsigned char live[];            /* one byte per block, 1 while it is allocated */
} pm_pool_slab_t;
typedef struct pm_pool {
  pm_pool_slab_t *cur;   /* the slab allocation takes from (it may be full) */
  pm_pool_slab_t *slabs; /* every slab, newest first */
  size_t block_size, align;
  size_t num_blocks;
  size_t next_blocks, max_blocks;
  uint64_t div_magic;    /* ceil(2^64 / block_size), 0 once slabs are too big for it: the high
                            64 bits of offset * div_magic are the block index, and the low
                            ones are below div_magic exactly at a block's start */
  unsigned flags;
} pm_pool_t;

typedef struct pm_pool_options {
  size_t align;      /* 0: the natural alignment of block_size, at most 16 */
  int grow;          /* nonzero: add slabs (each twice the last) when every block is taken */
  size_t max_blocks; /* with grow: the most blocks in all (0: no limit) */
} pm_pool_options_t;

/* block_size is raised to at least sizeof(void*) and rounded to the alignment. */
PM_API int pm_pool_init(pm_pool_t *p, size_t block_size, size_t block_count,
                        const pm_pool_options_t *opts);
PM_API void pm_pool_destroy(pm_pool_t *p);
PM_API pm_pool_t *pm_pool_new(size_t block_size, size_t block_count);
PM_API pm_pool_t *pm_pool_new_ex(size_t block_size, size_t block_count,
                                 const pm_pool_options_t *opts);
PM_API void pm_pool_free(pm_pool_t *p);

/* O(1) (O(slabs) when the slab at hand is full and the pool has grown); NULL when exhausted. */
PM_API void *pm_pool_alloc(pm_pool_t *p);
/* O(1) for one slab (O(slabs) once grown): OK, ENOTOWNED or EDOUBLEFREE (nothing freed). */
PM_API int pm_pool_dealloc(pm_pool_t *p, void *ptr);
/* The same checks without freeing: PM_ARENA_OK when ptr is a live block of p. */
PM_API int pm_pool_check(const pm_pool_t *p, const void *ptr);
PM_API size_t pm_pool_block_size(const pm_pool_t *p);
/* The counts add up the slabs' own: O(slabs). */
PM_API size_t pm_pool_num_free_blocks(const pm_pool_t *p);
PM_API size_t pm_pool_num_allocated(const pm_pool_t *p);
PM_API size_t pm_pool_num_blocks(const pm_pool_t *p);

/* ---- free-list arena --------------------------------------------------------------------- */
/* The arena lives inside its buffer (header, free lists and blocks, linked by offsets), so a
 * pm_freelist_t* is the buffer's start, and a buffer can be detached, handed over (even
 * copied to another address with the same alignment) and attached again. */
typedef struct pm_freelist pm_freelist_t;

typedef struct pm_freelist_options {
  size_t align;     /* power of two, at least 8 (every block is aligned to it) */
  int coalesce;     /* merge a freed block with its free neighbours */
  int split;        /* split a bigger free block, when at least min_split bytes are left */
  size_t min_split; /* 0: the smallest block (32 bytes, or align if bigger) */
  int quick;        /* keep freed blocks of up to 64 * align bytes on lists of their exact
                       size for the next request of that size; they merge (coalesce) only
                       when nothing else fits. Faster for repeated sizes. */
} pm_freelist_options_t;
#define PM_FREELIST_OPTIONS_DEFAULT {16, 1, 1, 0, 1}

typedef struct pm_freelist_stats {
  size_t free_count, free_bytes; /* free blocks in the lists (headers included) */
  size_t used_count, used_bytes; /* live blocks (headers included) */
  size_t top;                    /* offset of the untouched space above every block */
  size_t available;              /* free_bytes plus the untouched space */
  size_t total;                  /* the buffer's size */
} pm_freelist_stats_t;

/* opts NULL: PM_FREELIST_OPTIONS_DEFAULT. NULL when the options are invalid or the buffer
 * is too small for the header (712 bytes plus 32 per power of two of the size) and one
 * block; the buffer must be 8-byte aligned. pm_freelist_create_ex tells why in *error
 * (PM_ARENA_EINVAL: NULL buffer or bad options, PM_ARENA_EALIGN, PM_ARENA_ETOOSMALL;
 * PM_ARENA_OK on success); pm_freelist_create sets errno to EINVAL on failure. */
PM_API pm_freelist_t *pm_freelist_create(void *buffer, size_t size,
                                         const pm_freelist_options_t *opts);
PM_API pm_freelist_t *pm_freelist_create_ex(void *buffer, size_t size,
                                            const pm_freelist_options_t *opts, int *error);
/* An owned buffer of `capacity` bytes from the global allocator. */
PM_API pm_freelist_t *pm_freelist_new(size_t capacity, const pm_freelist_options_t *opts);
/* Validates the header in buffer (size must match). NULL if it holds no valid arena. */
PM_API pm_freelist_t *pm_freelist_attach(void *buffer, size_t size);
/* Gives back an owned buffer (pm_freelist_new); does nothing to a caller's buffer. */
PM_API void pm_freelist_free(pm_freelist_t *fl);
PM_API void *pm_freelist_buffer(const pm_freelist_t *fl);
PM_API size_t pm_freelist_size(const pm_freelist_t *fl);

PM_API void *pm_freelist_malloc(pm_freelist_t *fl, size_t size);
/* A block aligned to any power of two (NULL for others). Above the arena's alignment it
 * costs up to align + 32 bytes more while it is carved; the leading gap is freed again.
 * pm_freelist_realloc keeps only the arena's own alignment. */
PM_API void *pm_freelist_aligned_alloc(pm_freelist_t *fl, size_t align, size_t size);
/* A block of size bytes whose whole usable size is filled with the byte `fill`. */
PM_API void *pm_freelist_malloc_fill(pm_freelist_t *fl, size_t size, int fill);
/* The old name of pm_freelist_malloc_fill (it reads like calloc(count, size), which it is not). */
PM_API PM_ARENAS_DEPRECATED("use pm_freelist_malloc_fill(fl, size, fill)") void *
pm_freelist_calloc(pm_freelist_t *fl, size_t size, int fill);
/* C semantics: NULL ptr is malloc; size 0 frees and returns NULL; on failure (or a pointer
 * the arena does not own) NULL, with the old block kept. Grows in place when it can. */
PM_API void *pm_freelist_realloc(pm_freelist_t *fl, void *ptr, size_t size);
/* OK, ENOTOWNED (not a block of this arena) or EDOUBLEFREE (already free, merged into a
 * neighbour or into the unused space). Nothing is freed on error; NULL is OK. */
PM_API int pm_freelist_dealloc(pm_freelist_t *fl, void *ptr);
PM_API size_t pm_freelist_usable_size(const pm_freelist_t *fl, const void *ptr);
/* Frees every block in O(1) (independent of the number of blocks). */
PM_API void pm_freelist_free_all(pm_freelist_t *fl);
PM_API void pm_freelist_stats(const pm_freelist_t *fl, pm_freelist_stats_t *out);
PM_API size_t pm_freelist_align(const pm_freelist_t *fl);
/* Bytes still available (free blocks and the untouched space: stats().available) and bytes
 * in live blocks, headers included (stats().used_bytes). */
PM_API size_t pm_freelist_remaining(const pm_freelist_t *fl);
PM_API size_t pm_freelist_total_allocated(const pm_freelist_t *fl);
/* Before the buffer is copied or handed to code that reads all of it: under AddressSanitizer
 * the arena's free space is poisoned; this unpoisons the whole buffer (pm_freelist_attach
 * poisons it again). Does nothing otherwise. */
PM_API void pm_freelist_detach(pm_freelist_t *fl);

/* copy_onto between blocks of one arena, checked against the blocks' sizes (pm_copy_onto's
 * rules): free-list blocks by their usable size, pool blocks by the block size, stack
 * blocks by their requested size. PM_ARENA_OK, ENOTOWNED (not a live block) or ERANGE. */
PM_API int pm_freelist_copy_onto(const pm_freelist_t *fl, const void *src, size_t src_start,
                                 void *dst, size_t dst_start, size_t len);
PM_API int pm_pool_copy_onto(const pm_pool_t *p, const void *src, size_t src_start, void *dst,
                             size_t dst_start, size_t len);
PM_API int pm_stack_copy_onto(const pm_stack_t *s, const void *src, size_t src_start,
                              void *dst, size_t dst_start, size_t len);

/* ---- per-thread scratch arenas ----------------------------------------------------------- */
/* Each thread has PM_SCRATCH_ARENAS growing bump arenas on the global allocator, released
 * when the thread exits. pm_scratch_begin takes the first one that is not in conflicts and
 * marks it; pm_scratch_end rewinds it. arena is NULL when every one conflicts. Scopes nest
 * (end them in reverse order). */
#define PM_SCRATCH_ARENAS 4
typedef struct pm_scratch {
  pm_bump_t *arena;
  pm_bump_mark_t mark;
} pm_scratch_t;
PM_API pm_scratch_t pm_scratch_begin(const pm_bump_t *const *conflicts, size_t count);
PM_API void pm_scratch_end(pm_scratch_t *scope);

/* ---- walks (for debugging tools) --------------------------------------------------------- */
/* The visitor of every walk, pm_heap_walk's included: called as visit(ptr, size, arg);
 * a non-zero return stops the walk, which returns that value. */
typedef int (*pm_walk_visitor_t)(void *ptr, size_t size, void *arg);

/* Each walk calls visit for what is live in one arena, without taking memory from any
 * heap. Returns PM_ARENA_OK (0) after the last visit, visit's non-zero value when it stops
 * the walk, PM_ARENA_EINVAL (nothing visited) when the arena or visit is NULL, or
 * PM_ARENA_ECORRUPT when the arena's metadata is damaged (what came before was visited).
 * visit must not allocate from, free to or reset the arena being walked.
 *
 * pm_freelist_walk: every live block, in address order, with its usable size
 *   (pm_freelist_usable_size); it steps from block to block by their headers, O(blocks).
 * pm_pool_walk: every allocated block with the block size, in address order (slab by slab).
 * pm_bump_walk: one area per region holding blocks (the first region, then each chunk in
 *   order of use): from the region's start to where allocation stopped in it, alignment
 *   padding included, so the sizes add up to pm_bump_total_allocated. Kept chunks above
 *   the current position are not visited; neither are regions with nothing used.
 * pm_stack_walk: every live block with its requested size, most recent first (descending
 *   addresses: the order pm_stack_pop would free them). */
PM_API int pm_freelist_walk(const pm_freelist_t *fl, pm_walk_visitor_t visit, void *arg);
PM_API int pm_pool_walk(const pm_pool_t *p, pm_walk_visitor_t visit, void *arg);
PM_API int pm_bump_walk(const pm_bump_t *b, pm_walk_visitor_t visit, void *arg);
PM_API int pm_stack_walk(const pm_stack_t *s, pm_walk_visitor_t visit, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* POOLMALLOC_ARENAS_H */
