// Batches: allocate N blocks, then free them all, either newest first (LIFO, the order a
// stack of temporaries dies in) or oldest first (FIFO, the order a queue drains in). The
// blocks are not the block just freed, so this leaves the one-block fast path.
#include <stdlib.h>

#include <vector>

#include "micro.hpp"

using pmbench::check;
using pmbench::keep;

// Args are {N, size}; items are malloc+free pairs.
static void BM_batch_lifo(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  std::vector<void*> ptrs(n);
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) ptrs[i] = check(malloc(size));
    keep(ptrs.data());
    for (size_t i = n; i-- > 0;) free(ptrs[i]);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

static void BM_batch_fifo(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  std::vector<void*> ptrs(n);
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) ptrs[i] = check(malloc(size));
    keep(ptrs.data());
    for (size_t i = 0; i < n; ++i) free(ptrs[i]);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

static void batch_args(benchmark::internal::Benchmark* b) {
  for (int64_t n : {100, 1000, 10000})
    for (int64_t size : {16, 64, 256}) b->Args({n, size});
}
BENCHMARK(BM_batch_lifo)->Apply(batch_args);
BENCHMARK(BM_batch_fifo)->Apply(batch_args);

// realloc growth by doubling from 16 B to 1 MiB, as a growing buffer does; the first byte
// of each new size is written so the block is really used.
static void BM_realloc_double(benchmark::State& state) {
  const size_t limit = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    char* p = static_cast<char*>(check(malloc(16)));
    p[0] = 1;
    for (size_t size = 32; size <= limit; size *= 2) {
      p = static_cast<char*>(check(realloc(p, size)));
      p[size - 1] = 1;
    }
    keep(p);
    free(p);
  }
}
BENCHMARK(BM_realloc_double)->Arg(4096)->Arg(1 << 20);
