// Whether a pointer is a live block of the global heap, for callers that must refuse a
// freed one (copy_onto). owns() also says yes for a freed pool block still cached on its page.
#pragma once

namespace pm {

// True when p is the start of a block that is allocated now: a pool block that is on none
// of its page's free lists (nor in its heap's remote queue), or a large or huge block.
bool block_live(const void* p) noexcept;

}  // namespace pm
