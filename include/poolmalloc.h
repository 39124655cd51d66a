/* poolmalloc: a drop-in C/C++ heap for Linux x86-64.
 *
 * The pm_* functions are the allocator itself; the exported malloc family and the C++
 * operators map onto them. Call them directly to use poolmalloc without interposition
 * (tests, sanitizer builds, programs that keep glibc's malloc for everything else). */
#ifndef POOLMALLOC_H
#define POOLMALLOC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__cplusplus)
#define PM_NOEXCEPT noexcept
#else
#define PM_NOEXCEPT
#endif

#if defined(__GNUC__)
#define PM_API __attribute__((visibility("default")))
#define PM_MALLOC_ATTR __attribute__((malloc, warn_unused_result))
#else
#define PM_API
#define PM_MALLOC_ATTR
#endif

/* ---- the global allocator ------------------------------------------------------------ */
PM_API PM_MALLOC_ATTR void *pm_malloc(size_t size) PM_NOEXCEPT;
PM_API PM_MALLOC_ATTR void *pm_calloc(size_t count, size_t size) PM_NOEXCEPT;
PM_API void *pm_realloc(void *ptr, size_t size) PM_NOEXCEPT;
PM_API void *pm_reallocarray(void *ptr, size_t count, size_t size) PM_NOEXCEPT;
PM_API void pm_free(void *ptr) PM_NOEXCEPT;
/* C23: the size (and alignment) must be those the block was requested with. */
PM_API void pm_free_sized(void *ptr, size_t size) PM_NOEXCEPT;
PM_API void pm_free_aligned_sized(void *ptr, size_t alignment, size_t size) PM_NOEXCEPT;

/* Any power-of-two alignment; EINVAL for others (aligned_alloc/memalign semantics). */
PM_API PM_MALLOC_ATTR void *pm_aligned_alloc(size_t alignment, size_t size) PM_NOEXCEPT;
PM_API PM_MALLOC_ATTR void *pm_memalign(size_t alignment, size_t size) PM_NOEXCEPT;
PM_API int pm_posix_memalign(void **memptr, size_t alignment, size_t size) PM_NOEXCEPT;
PM_API PM_MALLOC_ATTR void *pm_valloc(size_t size) PM_NOEXCEPT;
PM_API PM_MALLOC_ATTR void *pm_pvalloc(size_t size) PM_NOEXCEPT;

/* Bytes the caller may use in the block at ptr (at least the requested size); 0 for NULL. */
PM_API size_t pm_usable_size(const void *ptr) PM_NOEXCEPT;
/* 1 when ptr is the start of a live or cached block that poolmalloc handed out. */
PM_API int pm_owns(const void *ptr) PM_NOEXCEPT;

/* Give free memory back to the OS now. Returns 1 when some memory was released. */
PM_API int pm_trim(size_t pad) PM_NOEXCEPT;
/* force != 0: also release the empty pages this thread keeps for reuse. */
PM_API void pm_collect(int force) PM_NOEXCEPT;

/* Heap profiler (POOLMALLOC_OPTIONS=prof=1): writes the profile of the sampled
 * allocations to path (NULL: the prof_file name) in the format google-pprof reads.
 * 0 on success; -1 with errno set on failure, EINVAL when profiling is off. */
PM_API int pm_prof_dump(const char *path) PM_NOEXCEPT;

/* The largest size any allocation accepts (PTRDIFF_MAX less the block overhead). */
#define PM_MAX_ALLOC_SIZE ((size_t)PTRDIFF_MAX - (size_t)(1u << 22))

#ifdef __cplusplus
}
#endif

#include "poolmalloc_arenas.h" /* the scoped arenas' C API */
#include "poolmalloc_stats.h"  /* statistics and the heap walk */

#endif /* POOLMALLOC_H */
