// What the arenas ask of the global heap beyond its public API.
#pragma once

namespace pm::arena_detail {

// True when p is the start of a block of the global heap that is allocated now (not freed,
// not cached): pm_owns() without the freed small blocks.
bool heap_block_live(const void *p);

}  // namespace pm::arena_detail
