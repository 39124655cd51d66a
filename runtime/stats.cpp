// Statistics from the metadata: pool pages through the segment registry, the large arenas'
// and the huge table's counters, the OS layer's mapped and purged bytes, the heap registry.
// Nothing here allocates. glibc's reports (mallinfo2, malloc_stats, malloc_info) are derived
// from the same pm_stats figures, so they always agree with pm_stats.
#include "stats.hpp"

#include <errno.h>
#include <string.h>

#include <atomic>

#include "error.hpp"
#include "heap.hpp"
#include "huge.hpp"
#include "large.hpp"
#include "os.hpp"

namespace pm {

static_assert(kClassCount <= PM_STATS_MAX_CLASSES, "pm_stats has no room for every class");

namespace {
// The highest `allocated` any statistics call has seen (the fast paths keep no counters).
std::atomic<size_t> g_peak{0};

struct PoolAcc {
  pm_stats_t* s;
  size_t clean_free;  // bytes of free page slots that are not resident
};

// Blocks of a page in use: see the comment on struct Page (the current page carries a +1;
// a full page parks its count in full_used).
uint32_t page_in_use(const Page& pg) {
  if (pg.state == PageState::kFull) return pg.full_used;
  uint32_t extra = pg.current ? 1 : 0;
  return pg.used > extra ? pg.used - extra : 0;
}

void add_segment(Segment* seg, void* arg) {
  auto* acc = static_cast<PoolAcc*>(arg);
  pm_stats_t* s = acc->s;
  s->pool_segments++;
  bool small = seg->kind == SegmentKind::kSmall;
  unsigned step = small ? 1 : kMediumSlices;
  size_t page_bytes = kSliceSize * step;
  for (unsigned slot = small ? 1 : 0; slot < kSlicesPerSegment; slot += step) {
    const Page& pg = seg->pages[slot];
    size_t bytes = slot == 0 ? page_bytes - kSliceSize : page_bytes;  // slice 0: the header
    if ((seg->free_slots >> slot) & 1) {
      s->pool_free_pages++;
      if (!pg.dirty) acc->clean_free += bytes;
      continue;
    }
    if (pg.block_size == 0 || pg.class_idx >= kClassCount) continue;
    uint32_t used = page_in_use(pg);
    pm_class_stats& c = s->classes[pg.class_idx];
    c.blocks += used;
    c.bytes += size_t(used) * pg.block_size;
    c.pages++;
    c.capacity += pg.reserved;
    s->pool_pages++;
    if (used) s->active += bytes;
  }
}

void count_heap(Heap* h, void* arg) {
  auto* s = static_cast<pm_stats_t*>(arg);
  s->heaps++;
  if (h->thread == 0) s->orphaned_heaps++;
  else if (h->thread != 1 && !h->dead) s->threads++;  // 1 marks the signal heap
}

void raise_peak(size_t v) {
  size_t cur = g_peak.load(std::memory_order_relaxed);
  while (v > cur && !g_peak.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

void line(const char* label, size_t v) {
  char buf[32];
  write_stderr(label);
  write_stderr(format_dec(buf, v));
  write_stderr("\n");
}
}  // namespace

void stats_collect(pm_stats_t* s) {
  memset(s, 0, sizeof *s);
  s->nclasses = kClassCount;
  for (unsigned c = 0; c < kClassCount; ++c) s->classes[c].block_size = kBlockSize[c];

  // Read the OS counter first: what is mapped while we look only adds to it, so the
  // estimate below cannot go negative because of a segment mapped meanwhile.
  s->mapped = os::mapped_bytes();
  PoolAcc acc{s, 0};
  segments_for_each(add_segment, &acc);
  for (unsigned c = 0; c < kClassCount; ++c) {
    s->pool_blocks += s->classes[c].blocks;
    s->pool_allocated += s->classes[c].bytes;
  }

  LargeStats ls = large_stats();
  s->large_allocated = ls.allocated;
  s->large_blocks = ls.blocks;
  s->large_free = ls.free_bytes;
  s->large_mapped = ls.mapped;
  s->large_segments = ls.mapped / kSegmentSize;
  size_t large_clean = large_clean_free_bytes();

  HugeStats hs = huge_stats();
  s->huge_allocated = hs.bytes;
  s->huge_blocks = hs.blocks;
  s->huge_cached = hs.cached_bytes;

  s->purged = os::purged_bytes();
  heaps_for_each(count_heap, s);

  s->segments = s->pool_segments + s->large_segments;
  s->allocated = s->pool_allocated + s->large_allocated + s->huge_allocated;
  s->active += s->large_allocated + s->huge_allocated;
  size_t not_resident = acc.clean_free + large_clean;
  s->resident = s->mapped > not_resident ? s->mapped - not_resident : 0;
  raise_peak(s->allocated);
  s->peak = g_peak.load(std::memory_order_relaxed);
}

struct mallinfo2 stats_mallinfo2() {
  pm_stats_t s;
  stats_collect(&s);
  struct mallinfo2 m;
  memset(&m, 0, sizeof m);
  size_t direct = s.huge_allocated + s.huge_cached;  // glibc's "mmapped" chunks
  m.arena = s.mapped > direct ? s.mapped - direct : 0;
  m.ordblks = s.pool_pages;
  m.hblks = s.huge_blocks;
  m.hblkhd = s.huge_allocated;
  m.uordblks = s.allocated - s.huge_allocated;
  m.fordblks = m.arena > m.uordblks ? m.arena - m.uordblks : 0;
  m.usmblks = 0;  // glibc leaves it 0 too
  m.keepcost = 0;
  return m;
}

void stats_print_malloc_stats() {
  NoCancel no_cancel;
  pm_stats_t s;
  stats_collect(&s);
  write_stderr("poolmalloc statistics\n");
  line("system bytes     = ", s.mapped);
  line("in use bytes     = ", s.allocated);
  line("pool bytes       = ", s.pool_allocated);
  line("large bytes      = ", s.large_allocated);
  line("huge bytes       = ", s.huge_allocated);
  line("huge blocks      = ", s.huge_blocks);
  line("pool segments    = ", s.pool_segments);
  line("purged bytes     = ", s.purged);
  line("heaps            = ", s.heaps);
}

int stats_print_malloc_info(FILE* out) {
  if (!out) {
    errno = EINVAL;
    return -1;
  }
  NoCancel no_cancel;
  pm_stats_t s;
  stats_collect(&s);
  fprintf(out, "<malloc version=\"1\">\n<heap nr=\"0\">\n<sizes>\n");
  for (unsigned c = 0; c < s.nclasses; ++c) {
    const pm_class_stats& k = s.classes[c];
    if (k.blocks == 0) continue;
    fprintf(out, "<size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n",
            c ? s.classes[c - 1].block_size + 1 : 1, k.block_size, k.bytes, k.blocks);
  }
  fprintf(out,
          "</sizes>\n"
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
          s.pool_blocks, s.pool_allocated, s.large_blocks, s.large_allocated, s.mapped, s.mapped,
          s.pool_blocks + s.large_blocks, s.pool_allocated + s.large_allocated, s.huge_blocks,
          s.huge_allocated, s.mapped, s.mapped, s.mapped, s.mapped, s.allocated);
  return 0;
}

}  // namespace pm

extern "C" PM_STATS_API int pm_stats(struct pm_stats* out) noexcept {
  if (!out) return EINVAL;
  pm::stats_collect(out);
  return 0;
}
