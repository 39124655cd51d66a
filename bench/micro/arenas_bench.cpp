// Scoped arenas against the standard library's memory resources and malloc, on the same
// allocation patterns. Linked with libpoolmalloc.a (so malloc and operator new here are
// poolmalloc's too): `make bench-arenas`. Results are times per pattern, not per call.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <random>
#include <vector>

#include "../../include/poolmalloc.hpp"

namespace {

void keep(void *p) {
  benchmark::DoNotOptimize(p);
  benchmark::ClobberMemory();
}

void *check(void *p) {
  if (p == nullptr) std::abort();  // never time a failure as a fast allocation
  return p;
}

constexpr int kBatch = 1000;

// ---- many small allocations, then everything freed at once -----------------------------
void BM_Batch_Bump(benchmark::State &st) {
  pm::BumpArena a;
  const auto size = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    for (int i = 0; i < kBatch; i++) keep(check(a.alloc({size, 8}).ptr));
    a.reset();
  }
  st.SetItemsProcessed(st.iterations() * kBatch);
}

void BM_Batch_Monotonic(benchmark::State &st) {
  std::pmr::monotonic_buffer_resource r(64 * 1024);
  const auto size = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    for (int i = 0; i < kBatch; i++) keep(r.allocate(size, 8));
    r.release();
  }
  st.SetItemsProcessed(st.iterations() * kBatch);
}

void BM_Batch_Malloc(benchmark::State &st) {
  std::vector<void *> v(kBatch);
  const auto size = static_cast<std::size_t>(st.range(0));
  for (auto _ : st) {
    for (auto &p : v) keep(p = check(std::malloc(size)));
    for (void *p : v) std::free(p);
  }
  st.SetItemsProcessed(st.iterations() * kBatch);
}

// ---- fixed-size blocks freed and reallocated in random order ----------------------------
std::vector<int> shuffled(int n) {
  std::vector<int> order(static_cast<std::size_t>(n));
  for (int i = 0; i < n; i++) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  return order;
}

template <class Alloc, class Free>
void churn(benchmark::State &st, Alloc alloc, Free release) {
  std::vector<void *> v(kBatch);
  for (auto &p : v) p = check(alloc());
  auto order = shuffled(kBatch);
  for (auto _ : st) {
    for (int i : order) release(v[static_cast<std::size_t>(i)]);
    for (int i : order) keep(v[static_cast<std::size_t>(i)] = check(alloc()));
  }
  for (void *p : v) release(p);
  st.SetItemsProcessed(st.iterations() * kBatch);
}

void BM_Fixed_Pool(benchmark::State &st) {
  pm::Pool pool(64, kBatch);
  churn(st, [&] { return pool.alloc(); }, [&](void *p) { (void)pool.dealloc(p); });
}

void BM_Fixed_PmrPool(benchmark::State &st) {
  std::pmr::unsynchronized_pool_resource r;
  churn(st, [&] { return r.allocate(64, 8); }, [&](void *p) { r.deallocate(p, 64, 8); });
}

void BM_Fixed_Malloc(benchmark::State &st) {
  churn(st, [] { return std::malloc(64); }, [](void *p) { std::free(p); });
}

// ---- mixed sizes (16..1024 bytes), random frees and reallocations ----------------------
template <class Alloc, class Free>
void mixed(benchmark::State &st, Alloc alloc, Free release) {
  std::mt19937 rng(11);
  std::vector<std::size_t> sizes(kBatch);
  for (auto &s : sizes) s = 16 + rng() % 1009;
  std::vector<void *> v(kBatch);
  for (std::size_t i = 0; i < v.size(); i++) v[i] = check(alloc(sizes[i]));
  auto order = shuffled(kBatch);
  for (auto _ : st) {
    for (int k = 0; k < kBatch; k += 2) {  // free half, then refill those
      auto i = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
      release(v[i], sizes[i]);
    }
    for (int k = 0; k < kBatch; k += 2) {
      auto i = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
      keep(v[i] = check(alloc(sizes[i])));
    }
    std::rotate(order.begin(), order.begin() + 1, order.end());
  }
  for (std::size_t i = 0; i < v.size(); i++) release(v[i], sizes[i]);
  st.SetItemsProcessed(st.iterations() * kBatch / 2);
}

void BM_Mixed_FreeList(benchmark::State &st) {
  pm::FreeListArena a(4u << 20);
  mixed(st, [&](std::size_t n) { return a.malloc(n); }, [&](void *p, std::size_t) { (void)a.free(p); });
}

void BM_Mixed_PmrPool(benchmark::State &st) {
  std::pmr::unsynchronized_pool_resource r;
  mixed(st, [&](std::size_t n) { return r.allocate(n, 8); },
        [&](void *p, std::size_t n) { r.deallocate(p, n, 8); });
}

void BM_Mixed_Malloc(benchmark::State &st) {
  mixed(st, [](std::size_t n) { return std::malloc(n); }, [](void *p, std::size_t) { std::free(p); });
}

// ---- LIFO: push 16 frames, pop them ---------------------------------------------------
void BM_Lifo_Stack(benchmark::State &st) {
  pm::StackArena s(1 << 16);
  for (auto _ : st) {
    for (int i = 0; i < 16; i++) keep(check(s.alloc({static_cast<std::size_t>(32 + i * 16), 16}).ptr));
    for (int i = 0; i < 16; i++) (void)s.pop();
  }
  st.SetItemsProcessed(st.iterations() * 16);
}

void BM_Lifo_Monotonic(benchmark::State &st) {  // no pop: release() per round instead
  std::pmr::monotonic_buffer_resource r(1 << 16);
  for (auto _ : st) {
    for (int i = 0; i < 16; i++) keep(r.allocate(static_cast<std::size_t>(32 + i * 16), 16));
    r.release();
  }
  st.SetItemsProcessed(st.iterations() * 16);
}

void BM_Lifo_Malloc(benchmark::State &st) {
  void *v[16];
  for (auto _ : st) {
    for (int i = 0; i < 16; i++) keep(v[i] = check(std::malloc(static_cast<std::size_t>(32 + i * 16))));
    for (int i = 15; i >= 0; i--) std::free(v[i]);
  }
  st.SetItemsProcessed(st.iterations() * 16);
}

// ---- a function taking scratch memory: a scope and four temporaries -------------------
void BM_Scratch_Scope(benchmark::State &st) {
  for (auto _ : st) {
    auto s = pm::scratch();
    for (int i = 0; i < 4; i++) keep(check(s.alloc({256, 16}).ptr));
  }
  st.SetItemsProcessed(st.iterations() * 4);
}

void BM_Scratch_MonotonicOnStack(benchmark::State &st) {
  for (auto _ : st) {
    alignas(16) unsigned char buf[2048];
    std::pmr::monotonic_buffer_resource r(buf, sizeof buf);
    for (int i = 0; i < 4; i++) keep(r.allocate(256, 16));
  }
  st.SetItemsProcessed(st.iterations() * 4);
}

void BM_Scratch_Malloc(benchmark::State &st) {
  void *v[4];
  for (auto _ : st) {
    for (auto &p : v) keep(p = check(std::malloc(256)));
    for (void *p : v) std::free(p);
  }
  st.SetItemsProcessed(st.iterations() * 4);
}

// ---- a pmr vector growing to 1000 ints --------------------------------------------------
void push_ints(std::pmr::memory_resource *r) {
  std::pmr::vector<int> v(r);
  for (int i = 0; i < 1000; i++) v.push_back(i);
  benchmark::DoNotOptimize(v.data());
}

void BM_Vector_BumpResource(benchmark::State &st) {
  pm::BumpArena a;
  pm::BumpResource r(a);
  for (auto _ : st) {
    push_ints(&r);
    a.reset();
  }
  st.SetItemsProcessed(st.iterations() * 1000);
}

void BM_Vector_Monotonic(benchmark::State &st) {
  std::pmr::monotonic_buffer_resource r(64 * 1024);
  for (auto _ : st) {
    push_ints(&r);
    r.release();
  }
  st.SetItemsProcessed(st.iterations() * 1000);
}

void BM_Vector_NewDelete(benchmark::State &st) {
  for (auto _ : st) push_ints(std::pmr::new_delete_resource());
  st.SetItemsProcessed(st.iterations() * 1000);
}

// ---- the patterns of the arenas' speed targets (README, "When each arena pays off") ------
// Sizes drawn once, so every contender sees the same sequence.
std::vector<std::size_t> draw_sizes(std::size_t n, std::size_t lo, std::size_t hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::size_t> v(n);
  for (auto &s : v) s = lo + rng() % (hi - lo + 1);
  return v;
}

// bump: 4096 mixed small allocations (8..128 bytes, alignment 8 or 16), then reset.
constexpr std::size_t kBumpN = 4096;
const std::vector<std::size_t> &bump_sizes() {
  static const auto v = draw_sizes(kBumpN, 8, 128, 3);
  return v;
}

void BM_BumpMixed_Arena(benchmark::State &st) {
  pm::BumpArena a;
  const auto &sz = bump_sizes();
  for (auto _ : st) {
    for (std::size_t i = 0; i < kBumpN; i++) keep(a.alloc({sz[i], i % 4 == 0 ? 16u : 8u}).ptr);
    a.reset();
  }
  st.SetItemsProcessed(st.iterations() * kBumpN);
}

void BM_BumpMixed_Monotonic(benchmark::State &st) {
  std::pmr::monotonic_buffer_resource r;
  const auto &sz = bump_sizes();
  for (auto _ : st) {
    for (std::size_t i = 0; i < kBumpN; i++) keep(r.allocate(sz[i], i % 4 == 0 ? 16u : 8u));
    r.release();
  }
  st.SetItemsProcessed(st.iterations() * kBumpN);
}

void BM_BumpMixed_Malloc(benchmark::State &st) {
  const auto &sz = bump_sizes();
  std::vector<void *> v(kBumpN);
  for (auto _ : st) {
    for (std::size_t i = 0; i < kBumpN; i++) keep(v[i] = std::malloc(sz[i]));
    for (void *p : v) std::free(p);
  }
  st.SetItemsProcessed(st.iterations() * kBumpN);
}

// stack: LIFO push of 32 blocks of mixed sizes (16..512), then pop of all of them.
constexpr int kStackN = 32;
const std::vector<std::size_t> &stack_sizes() {
  static const auto v = draw_sizes(kStackN, 16, 512, 5);
  return v;
}

void BM_StackLifo_Arena(benchmark::State &st) {
  pm::StackArena s(1 << 16);
  const auto &sz = stack_sizes();
  for (auto _ : st) {
    for (int i = 0; i < kStackN; i++) keep(s.alloc({sz[static_cast<std::size_t>(i)], 16}).ptr);
    for (int i = 0; i < kStackN; i++) (void)s.pop();
  }
  st.SetItemsProcessed(st.iterations() * kStackN);
}

void BM_StackLifo_Malloc(benchmark::State &st) {
  const auto &sz = stack_sizes();
  void *v[kStackN];
  for (auto _ : st) {
    for (int i = 0; i < kStackN; i++) keep(v[i] = std::malloc(sz[static_cast<std::size_t>(i)]));
    for (int i = kStackN - 1; i >= 0; i--) std::free(v[i]);
  }
  st.SetItemsProcessed(st.iterations() * kStackN);
}

// std::pmr::vector<std::pmr::vector<int>>: 64 inner vectors of 64 ints pushed one by one.
void nested(std::pmr::memory_resource *r) {
  std::pmr::vector<std::pmr::vector<int>> outer(r);
  for (int i = 0; i < 64; i++) {
    outer.emplace_back();
    for (int j = 0; j < 64; j++) outer.back().push_back(i + j);
  }
  benchmark::DoNotOptimize(outer.data());
}

void BM_NestedVec_Bump(benchmark::State &st) {
  pm::BumpArena a;
  pm::BumpResource r(a);
  for (auto _ : st) {
    nested(&r);
    a.reset();
  }
  st.SetItemsProcessed(st.iterations() * 64 * 64);
}

void BM_NestedVec_Monotonic(benchmark::State &st) {
  std::pmr::monotonic_buffer_resource r;
  for (auto _ : st) {
    nested(&r);
    r.release();
  }
  st.SetItemsProcessed(st.iterations() * 64 * 64);
}

void BM_NestedVec_NewDelete(benchmark::State &st) {
  for (auto _ : st) nested(std::pmr::new_delete_resource());
  st.SetItemsProcessed(st.iterations() * 64 * 64);
}

}  // namespace

BENCHMARK(BM_BumpMixed_Arena);
BENCHMARK(BM_BumpMixed_Monotonic);
BENCHMARK(BM_BumpMixed_Malloc);
BENCHMARK(BM_StackLifo_Arena);
BENCHMARK(BM_StackLifo_Malloc);
BENCHMARK(BM_NestedVec_Bump);
BENCHMARK(BM_NestedVec_Monotonic);
BENCHMARK(BM_NestedVec_NewDelete);

BENCHMARK(BM_Batch_Bump)->Arg(16)->Arg(64)->Arg(256);
BENCHMARK(BM_Batch_Monotonic)->Arg(16)->Arg(64)->Arg(256);
BENCHMARK(BM_Batch_Malloc)->Arg(16)->Arg(64)->Arg(256);
BENCHMARK(BM_Fixed_Pool);
BENCHMARK(BM_Fixed_PmrPool);
BENCHMARK(BM_Fixed_Malloc);
BENCHMARK(BM_Mixed_FreeList);
BENCHMARK(BM_Mixed_PmrPool);
BENCHMARK(BM_Mixed_Malloc);
BENCHMARK(BM_Lifo_Stack);
BENCHMARK(BM_Lifo_Monotonic);
BENCHMARK(BM_Lifo_Malloc);
BENCHMARK(BM_Scratch_Scope);
BENCHMARK(BM_Scratch_MonotonicOnStack);
BENCHMARK(BM_Scratch_Malloc);
BENCHMARK(BM_Vector_BumpResource);
BENCHMARK(BM_Vector_Monotonic);
BENCHMARK(BM_Vector_NewDelete);
