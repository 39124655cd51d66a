#include "stats.hpp"

#include <errno.h>
#include <string.h>

#include "error.hpp"
#include "heap.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "os.hpp"

namespace pm {

namespace {
void add_segment(Segment* seg, void* arg) {
  auto* t = static_cast<Totals*>(arg);
  t->pool_segments++;
  for (const Page& pg : seg->pages) {
    if (pg.block_size == 0) continue;
    uint32_t used = pg.state == PageState::kFull ? pg.full_used : pg.used - (pg.current ? 1 : 0);
    t->pool_pages++;
    t->pool_page_bytes += size_t(pg.reserved) * pg.block_size;
    t->pool_in_use += size_t(used) * pg.block_size;
  }
}
void count_heap(Heap*, void* arg) { static_cast<Totals*>(arg)->heaps++; }

// Decimal without stdio (malloc_stats must not allocate).
char* format_dec(char* buf, size_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  return buf;
}

void line(const char* label, size_t v) {
  char buf[32];
  write_stderr(label);
  write_stderr(format_dec(buf, v));
  write_stderr("\n");
}
}  // namespace

Totals stats_totals() {
  Totals t{};
  t.mapped = os::mapped_bytes();
  segments_for_each(add_segment, &t);
  LargeStats ls = large_stats();
  t.large_in_use = ls.allocated;
  t.large_free = ls.free_bytes;
  t.large_blocks = ls.blocks;
  HugeStats hs = huge_stats();
  t.huge_in_use = hs.bytes;
  t.huge_blocks = hs.blocks;
  t.huge_cached = hs.cached_bytes;
  t.purged = os::purged_bytes();
  heaps_for_each(count_heap, &t);
  return t;
}

struct mallinfo2 stats_mallinfo2() {
  Totals t = stats_totals();
  struct mallinfo2 m;
  memset(&m, 0, sizeof m);
  size_t in_use = t.pool_in_use + t.large_in_use + t.huge_in_use;
  m.arena = t.mapped - t.huge_in_use - t.huge_cached;  // not counting direct mappings
  m.ordblks = t.pool_pages;
  m.hblks = t.huge_blocks;
  m.hblkhd = t.huge_in_use;
  m.uordblks = in_use - t.huge_in_use;
  m.fordblks = m.arena > m.uordblks ? m.arena - m.uordblks : 0;
  m.usmblks = 0;
  m.keepcost = 0;
  return m;
}

void stats_print_malloc_stats() {
  Totals t = stats_totals();
  size_t in_use = t.pool_in_use + t.large_in_use + t.huge_in_use;
  write_stderr("poolmalloc statistics\n");
  line("system bytes     = ", t.mapped);
  line("in use bytes     = ", in_use);
  line("pool bytes       = ", t.pool_in_use);
  line("large bytes      = ", t.large_in_use);
  line("huge bytes       = ", t.huge_in_use);
  line("huge blocks      = ", t.huge_blocks);
  line("pool segments    = ", t.pool_segments);
  line("purged bytes     = ", t.purged);
  line("heaps            = ", t.heaps);
}

int stats_print_malloc_info(FILE* out) {
  if (!out) {
    errno = EINVAL;
    return -1;
  }
  Totals t = stats_totals();
  size_t in_use = t.pool_in_use + t.large_in_use + t.huge_in_use;
  fprintf(out,
          "<malloc version=\"1\">\n"
          "<heap nr=\"0\">\n"
          "<sizes>\n</sizes>\n"
          "<total type=\"pool\" count=\"%zu\" size=\"%zu\"/>\n"
          "<total type=\"large\" count=\"%zu\" size=\"%zu\"/>\n"
          "<system type=\"current\" size=\"%zu\"/>\n"
          "<system type=\"max\" size=\"%zu\"/>\n"
          "</heap>\n"
          "<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
          "<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
          "<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
          "<system type=\"current\" size=\"%zu\"/>\n"
          "<system type=\"max\" size=\"%zu\"/>\n"
          "<aspace type=\"total\" size=\"%zu\"/>\n"
          "<aspace type=\"mprotect\" size=\"%zu\"/>\n"
          "<inuse size=\"%zu\"/>\n"
          "</malloc>\n",
          t.pool_pages, t.pool_in_use, t.large_blocks, t.large_in_use, t.mapped, t.mapped,
          t.pool_pages + t.large_blocks, t.pool_in_use + t.large_in_use, t.huge_blocks,
          t.huge_in_use, t.mapped, t.mapped, t.mapped, t.mapped, in_use);
  return 0;
}

}  // namespace pm
