// Shared helpers for the micro benchmarks. The binary is NOT linked with poolmalloc: the
// runner starts the same binary under LD_PRELOAD of each allocator, so every allocator
// runs the very same machine code. Compiled with -fno-builtin-* so that GCC cannot fold a
// malloc/free pair away; DoNotOptimize keeps each pointer alive.
#pragma once
#include <benchmark/benchmark.h>
#include <cstddef>
#include <cstdlib>

namespace pmbench {

// Sizes for the single-thread pair benchmarks: every power of two from 8 B to 1 MiB.
inline void pair_sizes(benchmark::internal::Benchmark* b) {
  b->RangeMultiplier(2)->Range(8, 1 << 20);
}

// Keep a pointer (and the memory it names) observable to the optimiser.
inline void keep(void* p) {
  benchmark::DoNotOptimize(p);
  benchmark::ClobberMemory();
}

// Abort loudly rather than time a failed allocation as a fast one.
inline void* check(void* p) {
  if (p == nullptr) std::abort();
  return p;
}

}  // namespace pmbench
