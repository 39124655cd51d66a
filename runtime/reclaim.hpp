// Giving the shared caches back to the OS: the segment cache, the large arenas' free spans
// and the huge-mapping cache.
#pragma once
#include <cstdint>

namespace pm {
// Those free for longer than the decay, or all of them when force.
void purge_shared(uint64_t now, bool force);
// Last resort before reporting ENOMEM: give every cached mapping back, so the address
// space it holds (which counts against RLIMIT_AS) can serve the request. True when
// something was released and a retry may succeed.
bool reclaim_address_space();
}  // namespace pm
