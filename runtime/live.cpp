// block_live: owns() less the freed pool blocks. A freed pool block carries its page's
// owner heap in its second word (malloc clears it), so a block without that marker is live.
// One with the marker, on a page of this thread, is confirmed against the page's lists and
// the heap's remote queue, since live data may hold the same value by chance; on another
// thread's page the marker decides (those lists belong to that thread). Links are read with
// link_get, so encoded lists are followed too; the hardened variant asks the block's record.
#include "live.hpp"

#include "alloc.hpp"
#include "canary.hpp"
#include "link.hpp"

namespace pm {

namespace {

bool on_list(const Block* list, const Block* b, size_t limit) {
  for (size_t i = 0; list != nullptr && i < limit; ++i, list = link_get(list))
    if (list == b) return true;
  return false;
}

bool on_remote(uintptr_t list, const Block* b, size_t limit) {
  for (size_t i = 0; list != 0 && i < limit; ++i) {
    const Block* x = reinterpret_cast<const Block*>(list & ~uintptr_t{1});
    if (x == b) return true;
    list = link_get_raw(x);
  }
  return false;
}

}  // namespace

bool block_live(const void* p) noexcept {
  if (p == nullptr) return false;
  uint8_t mv = segmap_get(p);
  if (mv < kMapPoolMin) return owns(p);  // large and huge blocks: exact already
  const Page* page = page_of(p, mv);
  if (!page_block_valid(page, p)) return false;
  const Block* b = static_cast<const Block*>(p);
  Heap* owner = page->heap;
  if constexpr (policy::kBlockRecords) {
    // The hardened variant: the block's record says (freed blocks wait in a quarantine,
    // off every list). A damaged record is left to the caller's usable_size to report,
    // unless it is a 16-byte block whose record word now holds the freed key.
    size_t size;
    rec::Tag tag;
    switch (rec::read(const_cast<void*>(p), page->block_size, &size, &tag)) {
      case rec::State::kLive: return true;
      case rec::State::kFreed: return false;
      case rec::State::kBad: return b->key != reinterpret_cast<uintptr_t>(owner);
    }
  }
  if (b->key != reinterpret_cast<uintptr_t>(owner)) return true;
  if (owner == nullptr || owner != tl_heap) return false;
  size_t limit = size_t(page->reserved) + 1;
  return !on_list(page->free, b, limit) && !on_list(page->local_free, b, limit) &&
         !on_remote(owner->remote.load(std::memory_order_acquire), b, SIZE_MAX >> 1);
}

}  // namespace pm
