// Single-thread pairs: one allocation followed at once by its free, per size. This is the
// fast path of every allocator (the block just freed is the next one handed out).
#include <malloc.h>
#include <stdlib.h>

#include "micro.hpp"

using pmbench::check;
using pmbench::keep;

static void BM_malloc_free(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = check(malloc(size));
    keep(p);
    free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_malloc_free)->Apply(pmbench::pair_sizes);

// calloc must hand out zeroed memory; large sizes show whether fresh pages are cleared twice.
static void BM_calloc_free(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = check(calloc(1, size));
    keep(p);
    free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_calloc_free)->Arg(16)->Arg(256)->Arg(4096)->Arg(65536)->Arg(1 << 20);

// aligned_alloc(alignment, size) then free; Args are {alignment, size}.
static void BM_aligned_alloc_free(benchmark::State& state) {
  const size_t align = static_cast<size_t>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  for (auto _ : state) {
    void* p = check(aligned_alloc(align, size));
    keep(p);
    free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_aligned_alloc_free)
    ->Args({64, 64})
    ->Args({256, 1024})
    ->Args({4096, 4096})
    ->Args({4096, 100000});

// posix_memalign is the other common spelling (used by many C libraries).
static void BM_posix_memalign_free(benchmark::State& state) {
  const size_t align = static_cast<size_t>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  for (auto _ : state) {
    void* p = nullptr;
    if (posix_memalign(&p, align, size) != 0) std::abort();
    keep(p);
    free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_posix_memalign_free)->Args({64, 64})->Args({4096, 4096});

// malloc_usable_size on live blocks of mixed sizes (the lookup from pointer to metadata).
static void BM_usable_size(benchmark::State& state) {
  constexpr int kBlocks = 64;
  void* blocks[kBlocks];
  for (int i = 0; i < kBlocks; ++i) blocks[i] = check(malloc(static_cast<size_t>(16 + 48 * i)));
  size_t sum = 0;
  for (auto _ : state) {
    for (int i = 0; i < kBlocks; ++i) sum += malloc_usable_size(blocks[i]);
    benchmark::DoNotOptimize(sum);
  }
  for (int i = 0; i < kBlocks; ++i) free(blocks[i]);
  state.SetItemsProcessed(state.iterations() * kBlocks);
}
BENCHMARK(BM_usable_size);
