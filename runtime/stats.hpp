// Statistics gathered from the heap's own metadata (pm_stats), and glibc's report formats
// (mallinfo2, malloc_stats, malloc_info) computed from the same figures.
#pragma once
#include <malloc.h>
#include <stdio.h>

#include <cstddef>

#include "poolmalloc_stats.h"

namespace pm {

// Fills *out from the metadata (never allocates) and raises the observed peak.
void stats_collect(pm_stats_t* out);

struct mallinfo2 stats_mallinfo2();
void stats_print_malloc_stats();
int stats_print_malloc_info(FILE* out);

}  // namespace pm
