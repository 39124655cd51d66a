// Statistics gathered from the heap's own metadata: glibc's report formats.
#pragma once
#include <malloc.h>
#include <stdio.h>

#include <cstddef>

namespace pm {

struct Totals {
  size_t mapped;          // bytes of address space mapped by the allocator
  size_t pool_in_use;     // bytes in pool blocks handed out (or on the pages' free lists)
  size_t pool_pages;      // pool pages in use
  size_t pool_page_bytes; // bytes of those pages
  size_t pool_segments;
  size_t large_in_use;
  size_t large_free;
  size_t large_blocks;
  size_t huge_in_use;
  size_t huge_blocks;
  size_t huge_cached;
  size_t purged;          // bytes given back with madvise so far
  size_t heaps;
};

Totals stats_totals();
struct mallinfo2 stats_mallinfo2();
void stats_print_malloc_stats();
int stats_print_malloc_info(FILE* out);

}  // namespace pm
