// Pool segment life cycle: taken from and given back to the backend, and the registry of
// live pool segments.
#include "segment.hpp"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.hpp"
#include "error.hpp"
#include "list.hpp"
#include "livemap.hpp"
#include "lock.hpp"
#include "options.hpp"
#include "os.hpp"

namespace pm {

namespace {
Lock g_registry_lock;
constinit List<Segment, &Segment::all_next, &Segment::all_prev> g_registry;
// A fork child whose parent forked in the middle of a registry update starts a new list;
// the segments of the old one are no longer listed (the heap walk and statistics miss them).
uint8_t g_registry_epoch = 0;

void registry_add(Segment* seg) {
  LockGuard g(g_registry_lock);
  seg->all_next = seg->all_prev = nullptr;
  seg->registry_epoch = g_registry_epoch;
  g_registry.push_front(seg);
}

void registry_remove(Segment* seg) {
  LockGuard g(g_registry_lock);
  if (seg->registry_epoch == g_registry_epoch) g_registry.remove(seg);
}

}  // namespace

Segment* segment_alloc_pool(SegmentKind kind) {
  bool zeroed;
  void* mem = backend::alloc(1, 1, &zeroed, true);
  if (!mem) return nullptr;
  auto* seg = static_cast<Segment*>(mem);
  if (!zeroed) {  // fresh mappings are zero already
    memset(seg, 0, sizeof(Segment));
    memset(live_map(reinterpret_cast<uintptr_t>(seg)), 0, kLiveMapBytes);
  }
  seg->kind = kind;
  uint8_t map_value = kMapSmall;
  if (kind == SegmentKind::kSmall) {
    seg->free_slots = ~uint64_t{1};  // slice 0 is the header
  } else {
    map_value = kMapMedium;
    for (unsigned i = 0; i < kSlicesPerSegment; i += kMediumSlices) seg->free_slots |= uint64_t{1} << i;
  }
  for (unsigned i = 0; i < kSlicesPerSegment; ++i) {
    seg->pages[i].slot = uint8_t(i);
    if constexpr (policy::kZeroOnFree) seg->pages[i].content = zeroed ? kContentZero : kContentUnknown;
  }
  registry_add(seg);
  segmap_set(seg, map_value);
  return seg;
}

void segment_release(Segment* seg, size_t resident) {
  registry_remove(seg);
  backend::release(seg, 1, resident);
}

void segments_for_each(void (*fn)(Segment*, void*), void* arg) {
  LockGuard g(g_registry_lock);
  for (Segment* s = g_registry.first; s; s = s->all_next) fn(s, arg);
}

void segment_locks_acquire() { g_registry_lock.lock(); }
void segment_locks_release() { g_registry_lock.unlock(); }
void segment_locks_reset(bool suspect) {
  if (g_registry_lock.reset() && suspect) {
    g_registry_epoch++;
    g_registry = {};
  }
}

}  // namespace pm
