// The heap walk (pm_heap_walk): every live block of the global heap, for a stopped world.
#pragma once
#include <cstddef>

namespace pm {

using WalkVisitor = int (*)(void* ptr, size_t usable, void* arg);

// Visits pool blocks, then large spans, then huge blocks; stops at the first non-zero
// return of visit and returns it (0 when every block was visited).
int heap_walk(WalkVisitor visit, void* arg);

}  // namespace pm
