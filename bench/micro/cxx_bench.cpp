// C++ operators: new + delete with and without the size (C++14 sized deallocation lets
// an allocator skip the size lookup on delete). The operators are called explicitly, and
// the file is built with -fno-allocation-dce, so the pairs cannot be elided.
#include <new>

#include "micro.hpp"

using pmbench::keep;

static void BM_new_delete(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = ::operator new(size);
    keep(p);
    ::operator delete(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_new_delete)->Arg(16)->Arg(64)->Arg(256)->Arg(1024);

static void BM_new_delete_sized(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    void* p = ::operator new(size);
    keep(p);
    ::operator delete(p, size);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_new_delete_sized)->Arg(16)->Arg(64)->Arg(256)->Arg(1024);

// A batch of 100 objects through new/delete, sized and unsized: the common C++ case.
template <bool kSized>
static void BM_new_delete_batch(benchmark::State& state) {
  constexpr int kN = 100;
  const size_t size = static_cast<size_t>(state.range(0));
  void* ptrs[kN];
  for (auto _ : state) {
    for (int i = 0; i < kN; ++i) ptrs[i] = ::operator new(size);
    keep(ptrs);
    for (int i = kN; i-- > 0;) {
      if constexpr (kSized)
        ::operator delete(ptrs[i], size);
      else
        ::operator delete(ptrs[i]);
    }
  }
  state.SetItemsProcessed(state.iterations() * kN);
}
BENCHMARK(BM_new_delete_batch<false>)->Name("BM_new_delete_batch")->Arg(32)->Arg(128);
BENCHMARK(BM_new_delete_batch<true>)->Name("BM_new_delete_sized_batch")->Arg(32)->Arg(128);

// Aligned new/delete (align_val_t) for over-aligned types.
static void BM_new_delete_aligned(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const auto align = static_cast<std::align_val_t>(64);
  for (auto _ : state) {
    void* p = ::operator new(size, align);
    keep(p);
    ::operator delete(p, size, align);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_new_delete_aligned)->Arg(64)->Arg(256);
