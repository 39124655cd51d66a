/* poolmalloc statistics and heap walk (C API). Included by poolmalloc.h.
 *
 * Every figure is computed from the allocator's own metadata when it is asked for (the fast
 * paths keep no byte counters), so a call costs time proportional to the number of
 * segments and heaps, not to the number of blocks. docs/stats.md explains each figure. */
#ifndef POOLMALLOC_STATS_H
#define POOLMALLOC_STATS_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PM_STATS_API __attribute__((visibility("default")))
#else
#define PM_STATS_API
#endif
#if defined(__cplusplus)
#define PM_STATS_NOEXCEPT noexcept
#else
#define PM_STATS_NOEXCEPT
#endif

/* Room for the pool size classes (the runtime has fewer: see nclasses). */
#define PM_STATS_MAX_CLASSES 96

/* One pool size class. */
struct pm_class_stats {
  size_t block_size; /* bytes per block of the class */
  size_t blocks;     /* blocks in use: handed out and not freed, or freed by another thread
                        and not yet collected by the owning heap */
  size_t bytes;      /* blocks * block_size */
  size_t pages;      /* pages assigned to the class (in use, or empty and kept as a
                        thread's current page or its spare) */
  size_t capacity;   /* blocks those pages can hold; blocks/capacity is the fill */
};

struct pm_stats {
  /* --- bytes --------------------------------------------------------------------------- */
  size_t allocated; /* bytes in live blocks as the allocator counts them: a pool block at
                       its block size, a large block at its span (whole 4 KiB units), a
                       huge block at its mapping; the sum of pm_usable_size over every live
                       block. Blocks freed by another thread and not yet collected by their
                       owner still count. */
  size_t active;    /* bytes of the pages and spans that hold at least one live block: pool
                       pages at their full page size, large spans, huge mappings.
                       active - allocated is the room left inside partly used pages. */
  size_t resident;  /* an estimate of the allocator's resident memory: mapped less the bytes
                       it knows are not resident (free pool pages and free large spans that
                       were purged, or never touched since they were mapped). Cached segments
                       and cached huge mappings count as resident. Not a kernel figure. */
  size_t mapped;    /* bytes of address space mapped (segments, huge blocks, metadata) */
  size_t purged;    /* cumulative bytes given back with madvise since the process started
                       (a counter: it never goes down) */
  size_t peak;      /* the highest `allocated` that any statistics call (pm_stats, the
                       printers, mallinfo2, malloc_stats, malloc_info, the exit report)
                       has seen: a lower bound on the true peak */

  /* --- by kind --------------------------------------------------------------------------- */
  size_t pool_allocated; /* bytes in live pool blocks (16 B .. 64 KiB) */
  size_t pool_blocks;    /* live pool blocks */
  size_t pool_pages;     /* pages assigned to a size class */
  size_t pool_free_pages; /* free page slots in the pool segments */
  size_t large_allocated; /* bytes in live large blocks (whole spans) */
  size_t large_blocks;    /* live large blocks */
  size_t large_free;      /* bytes in free spans of the large arenas (resident or not) */
  size_t large_mapped;    /* bytes of the large arenas' segments */
  size_t huge_allocated;  /* bytes of live huge mappings */
  size_t huge_blocks;     /* live huge blocks */
  size_t huge_cached;     /* bytes of freed huge mappings kept for reuse */

  /* --- structure ------------------------------------------------------------------------- */
  size_t threads;        /* heaps owned by a running thread */
  size_t orphaned_heaps; /* heaps of exited threads that still own pages (a new thread takes
                            one over) */
  size_t heaps;          /* every registered heap (threads, orphans, the signal heap) */
  size_t pool_segments;  /* live 4 MiB segments of pool pages */
  size_t large_segments; /* live 4 MiB segments of the large arenas */
  size_t segments;       /* pool_segments + large_segments */

  /* --- pool size classes ------------------------------------------------------------------ */
  unsigned nclasses;     /* entries of classes[] that are used, smallest block first */
  struct pm_class_stats classes[PM_STATS_MAX_CLASSES];
};
typedef struct pm_stats pm_stats_t;

/* Fills *out. Returns 0, or EINVAL when out is NULL. Safe while other threads allocate (the
 * figures are then a consistent-enough snapshot, not an atomic one); never allocates. */
PM_STATS_API int pm_stats(struct pm_stats *out) PM_STATS_NOEXCEPT;

/* Writes a report to out (NULL: stderr): text, or JSON when json is non-zero (one object on
 * one line; docs/stats.md shows its keys). */
PM_STATS_API void pm_stats_print(FILE *out, int json) PM_STATS_NOEXCEPT;
/* The same report written to a file descriptor with write(2), from a buffer on the stack:
 * never allocates (the exit report uses it). Returns 0, or -1 with errno set. */
PM_STATS_API int pm_stats_write(int fd, int json) PM_STATS_NOEXCEPT;

/* Calls visit(ptr, usable, arg) for every live block of the global heap: pool blocks that
 * are on no free list of their page (a block freed by another thread and not yet collected
 * by its owner still counts as live), large blocks and huge blocks. usable is what
 * pm_usable_size(ptr) returns. Blocks come in no particular order.
 *
 * Like malloc_iterate, this is for a stopped world: no other thread may allocate or free
 * while the walk runs, and visit must not allocate or free through poolmalloc (under
 * LD_PRELOAD that includes malloc, new, and stdio's first use of a stream). No lock is held
 * while visit runs.
 *
 * Returns 0 after every block was visited; when visit returns non-zero the walk stops and
 * returns that value. EINVAL when visit is NULL. */
PM_STATS_API int pm_heap_walk(int (*visit)(void *ptr, size_t usable, void *arg),
                              void *arg) PM_STATS_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* POOLMALLOC_STATS_H */
