// block_live: owns() less the freed pool blocks. A pool block start is live exactly when its
// bit in the segment's live map is set (a block in a remote queue counts as live until its
// owner drains it); the hardened variant asks the block's record, since its freed blocks
// wait in a quarantine with their bit still set.
#include "live.hpp"

#include "alloc.hpp"
#include "canary.hpp"
#include "livemap.hpp"

namespace pm {

bool block_live(const void* p) noexcept {
  if (p == nullptr) return false;
  uint8_t mv = segmap_get(p);
  if (mv < kMapPoolMin) return owns(p);  // large and huge blocks: exact already
  const Page* page = page_of(p, mv);
  if (!page_block_valid(page, p)) return false;
  if constexpr (policy::kBlockRecords) {
    // The hardened variant: the block's record says (freed blocks wait in a quarantine,
    // off every list). A damaged record is left to the caller's usable_size to report,
    // unless it is a 16-byte block whose record word now holds the freed key.
    size_t size;
    rec::Tag tag;
    switch (rec::read(const_cast<void*>(p), page->block_size, &size, &tag)) {
      case rec::State::kLive: return true;
      case rec::State::kFreed: return false;
      case rec::State::kBad:
        return static_cast<const Block*>(p)->key != reinterpret_cast<uintptr_t>(page->heap);
    }
  }
  return live_test(p);  // the segment's live map (livemap.hpp), exact on any thread
}

}  // namespace pm
