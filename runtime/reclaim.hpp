// Last resort before reporting ENOMEM: give every cached mapping back to the OS, so the
// address space it holds (which counts against RLIMIT_AS) can serve the request.
#pragma once

namespace pm {
// True when something was released and a retry may succeed.
bool reclaim_address_space();
}
