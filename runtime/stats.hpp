// Statistics gathered from the heap's own metadata (pm_stats), and glibc's report formats
// (mallinfo2, malloc_stats, malloc_info) computed from the same figures.
#pragma once
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>

#include <cstddef>

#include "poolmalloc_stats.h"

namespace pm {

// Fills *out from the metadata (never allocates) and raises the observed peak.
void stats_collect(pm_stats_t* out);

// The reports write with write(2) and stdio, which are cancellation points; the entry
// points are noexcept, so a cancellation unwinding out of them would end the process.
// Cancellation is held off for the report and acted on at the caller's next point.
struct NoCancel {
  int old;
  NoCancel() { pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old); }
  ~NoCancel() { pthread_setcancelstate(old, &old); }
  NoCancel(const NoCancel&) = delete;
  NoCancel& operator=(const NoCancel&) = delete;
};

struct mallinfo2 stats_mallinfo2();
void stats_print_malloc_stats();
int stats_print_malloc_info(FILE* out);

}  // namespace pm
