// Decay of the shared caches: the large arenas' free spans and the backend's free
// address space. (The out-of-memory path that gives everything back lives in the entry
// layer, alloc.cpp.)
#pragma once
#include <cstdint>

namespace pm {
// Purge what has been free for longer than the decay (everything when force).
void purge_shared(uint64_t now, bool force);
}  // namespace pm
