// pm::FreeListArena and the pm_freelist_* C API.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "poolmalloc.hpp"

namespace {

bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

// Every byte below top belongs to a used or a free block.
void expect_accounted(const pm::FreeListArena &a, std::size_t first_top) {
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.used_bytes + s.free_bytes, s.top - first_top);
  EXPECT_GE(s.available, s.free_bytes);
  EXPECT_LE(s.available - s.free_bytes, s.total - s.top);  // the untouched space
}

TEST(ArenasFreeList, MallocAlignsAndExhausts) {
  pm::FreeListArena a(8192);
  ASSERT_TRUE(a.valid());
  EXPECT_EQ(a.alignment(), 16u);
  void *p = a.malloc(100), *q = a.malloc(500), *r = a.malloc(200);
  ASSERT_TRUE(p && q && r);
  EXPECT_TRUE(aligned(p, 16) && aligned(q, 16) && aligned(r, 16));
  EXPECT_GE(a.usable_size(q), 500u);
  std::memset(q, 7, a.usable_size(q));
  EXPECT_EQ(a.malloc(9000), nullptr);
  EXPECT_EQ(a.malloc(pm::max_alloc_size), nullptr);
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.used_count, 3u);
  EXPECT_EQ(s.total, 8192u);
  EXPECT_TRUE(a.free(p) && a.free(q) && a.free(r));
  EXPECT_EQ(a.stats().used_count, 0u);
}

TEST(ArenasFreeList, FreeReportsForeignInteriorAndDoubleFrees) {
  pm::FreeListArena a(4096);
  void *p = a.malloc(64), *q = a.malloc(64);
  ASSERT_TRUE(p && q);
  int local = 0;
  EXPECT_FALSE(a.free(&local));
  EXPECT_EQ(pm_freelist_dealloc(a.handle(), &local), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_freelist_dealloc(a.handle(), static_cast<char *>(p) + 16), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_freelist_dealloc(a.handle(), static_cast<char *>(p) + 4), PM_ARENA_ENOTOWNED);
  EXPECT_TRUE(a.free(p));
  EXPECT_EQ(pm_freelist_dealloc(a.handle(), p), PM_ARENA_EDOUBLEFREE);
  EXPECT_FALSE(a.free(p));
  EXPECT_TRUE(a.free(nullptr));  // like free(NULL)
  EXPECT_EQ(a.usable_size(p), 0u);
  EXPECT_EQ(a.stats().used_count, 1u);
  EXPECT_TRUE(a.free(q));
}

TEST(ArenasFreeList, CoalescingMergesNeighboursAndTheTop) {
  pm::FreeListArena a(8192, pm::FreeListOptions{.quick = false});  // merging at once: no quick lists
  std::size_t top0 = a.stats().top;
  void *x = a.malloc(100), *y = a.malloc(100), *z = a.malloc(100), *w = a.malloc(100);
  ASSERT_TRUE(x && y && z && w);
  EXPECT_TRUE(a.free(x));
  EXPECT_TRUE(a.free(z));
  EXPECT_EQ(a.stats().free_count, 2u);
  EXPECT_TRUE(a.free(y));  // merges with both neighbours
  EXPECT_EQ(a.stats().free_count, 1u);
  for (void *gone : {x, y, z})  // each is caught as a double free, merged or not
    EXPECT_EQ(pm_freelist_dealloc(a.handle(), gone), PM_ARENA_EDOUBLEFREE);
  expect_accounted(a, top0);
  EXPECT_TRUE(a.free(w));  // merges the lot into the untouched space
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.free_count, 0u);
  EXPECT_EQ(s.top, top0);
  EXPECT_EQ(a.malloc(100), x);
}

TEST(ArenasFreeList, WithoutCoalescingBlocksStaySeparate) {
  pm::FreeListArena a(8192, pm::FreeListOptions{16, false, true, 0});
  std::size_t top0 = a.stats().top;
  void *x = a.malloc(100), *y = a.malloc(100), *z = a.malloc(100);
  EXPECT_TRUE(a.free(x));
  EXPECT_TRUE(a.free(y));
  EXPECT_TRUE(a.free(z));
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.free_count, 3u);
  EXPECT_EQ(s.used_count, 0u);
  expect_accounted(a, top0);
  void *big = a.malloc(300);  // the three free neighbours were not merged: from the top
  ASSERT_NE(big, nullptr);
  EXPECT_GT(big, z);
}

TEST(ArenasFreeList, SplittingOnAndOff) {
  {
    pm::FreeListArena a(8192, pm::FreeListOptions{.quick = false});
    void *big = a.malloc(1000);
    void *guard = a.malloc(16);
    ASSERT_TRUE(big && guard);
    EXPECT_TRUE(a.free(big));
    void *small = a.malloc(100);
    EXPECT_EQ(small, big);  // the front of the free block
    EXPECT_LT(a.usable_size(small), 200u);
    EXPECT_EQ(a.stats().free_count, 1u);  // the rest stays free
    void *second = a.malloc(100);
    EXPECT_GT(second, small);
    EXPECT_LT(second, guard);
  }
  {
    pm::FreeListArena a(8192, pm::FreeListOptions{16, true, false, 0, false});
    void *big = a.malloc(1000);
    a.malloc(16);
    EXPECT_TRUE(a.free(big));
    void *small = a.malloc(100);
    EXPECT_EQ(small, big);
    EXPECT_GE(a.usable_size(small), 1000u);  // the whole block, all usable
    EXPECT_EQ(a.stats().free_count, 0u);
  }
  {
    pm::FreeListArena a(8192, pm::FreeListOptions{16, true, true, 1024, false});  // min_split
    void *big = a.malloc(1000);
    a.malloc(16);
    EXPECT_TRUE(a.free(big));
    EXPECT_EQ(a.malloc(100), big);
    EXPECT_EQ(a.stats().free_count, 0u);  // the rest was smaller than min_split
  }
}

TEST(ArenasFreeList, GoodFitPrefersTheSmallestFittingList) {
  pm::FreeListArena a(1 << 16, pm::FreeListOptions{.quick = false});
  void *large = a.malloc(1000);
  a.malloc(16);
  void *small = a.malloc(100);
  a.malloc(16);
  EXPECT_TRUE(a.free(large));
  EXPECT_TRUE(a.free(small));
  EXPECT_EQ(a.malloc(90), small);
  EXPECT_EQ(a.malloc(900), large);
}

TEST(ArenasFreeList, AlignmentOption) {
  pm::FreeListArena a(1 << 14, pm::FreeListOptions{64, true, true, 0});
  ASSERT_TRUE(a.valid());
  for (int i = 0; i < 20; i++) EXPECT_TRUE(aligned(a.malloc(static_cast<std::size_t>(i) * 7 + 1), 64));
  EXPECT_FALSE(pm::FreeListArena(4096, pm::FreeListOptions{4, true, true, 0}).valid());
  EXPECT_FALSE(pm::FreeListArena(4096, pm::FreeListOptions{24, true, true, 0}).valid());
  EXPECT_FALSE(pm::FreeListArena(64).valid());  // too small for the header
  void *wide = a.alloc(pm::Layout{8, 128}).ptr;  // above the arena's alignment: served too
  EXPECT_TRUE(aligned(wide, 128));
  EXPECT_TRUE(a.alloc(pm::Layout{8, 64}));
}

TEST(ArenasFreeList, CallocFills) {
  pm::FreeListArena a(4096);
  auto *p = static_cast<unsigned char *>(a.calloc(50, 0xab));
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < a.usable_size(p); i++) ASSERT_EQ(p[i], 0xab);
  EXPECT_TRUE(a.free(p));
  auto *z = static_cast<unsigned char *>(a.calloc(50));
  for (std::size_t i = 0; i < 50; i++) ASSERT_EQ(z[i], 0);
  EXPECT_EQ(a.calloc(5000, 1), nullptr);
}

TEST(ArenasFreeList, TypedViews) {
  pm::FreeListArena a(8192);
  std::span<float> f = a.malloc_as<float>(10);
  ASSERT_EQ(f.size(), 10u);
  for (std::size_t i = 0; i < f.size(); i++) f[i] = static_cast<float>(i);
  std::span<std::uint32_t> u = a.calloc_as<std::uint32_t>(8, 0xdeadbeef);
  ASSERT_EQ(u.size(), 8u);
  for (auto v : u) EXPECT_EQ(v, 0xdeadbeefu);
  std::span<float> g = a.realloc_array(f, 200);
  ASSERT_EQ(g.size(), 200u);
  for (std::size_t i = 0; i < 10; i++) EXPECT_EQ(g[i], static_cast<float>(i));
  std::span<float> h = a.realloc_array(g, 1u << 20);  // too big: empty, g still valid
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(g[9], 9.0f);
  EXPECT_TRUE(a.malloc_as<double>(SIZE_MAX / 4).empty());
  std::span<float> shrunk = a.realloc_array(g, 5);
  ASSERT_EQ(shrunk.size(), 5u);
  EXPECT_EQ(shrunk.data(), g.data());  // shrinking stays in place
  EXPECT_TRUE(a.realloc_array(shrunk, 0).empty());  // frees
  EXPECT_TRUE(a.free(u.data()));
  EXPECT_EQ(a.stats().used_count, 0u);
}

TEST(ArenasFreeList, ReallocCSemantics) {
  pm::FreeListArena a(1 << 14);
  char *p = static_cast<char *>(a.realloc(nullptr, 100));  // null: malloc
  ASSERT_NE(p, nullptr);
  std::memset(p, 'a', 100);
  char *q = static_cast<char *>(a.realloc(p, 1000));  // next to the top: grows in place
  EXPECT_EQ(q, p);
  char *guard = static_cast<char *>(a.malloc(16));
  char *r = static_cast<char *>(a.malloc(500));
  char *guard2 = static_cast<char *>(a.malloc(16));
  ASSERT_TRUE(guard && r && guard2);
  EXPECT_TRUE(a.free(guard));
  char *s = static_cast<char *>(a.realloc(q, 1000 + 16));  // absorbs the freed neighbour
  EXPECT_EQ(s, q);
  char *t = static_cast<char *>(a.realloc(s, 4000));  // has to move
  ASSERT_NE(t, nullptr);
  EXPECT_NE(t, s);
  for (int i = 0; i < 100; i++) ASSERT_EQ(t[i], 'a');
  char *fail = static_cast<char *>(a.realloc(t, 1 << 20));
  EXPECT_EQ(fail, nullptr);  // failure keeps the block
  EXPECT_EQ(a.usable_size(t) >= 4000, true);
  EXPECT_EQ(t[99], 'a');
  int local;
  EXPECT_EQ(a.realloc(&local, 10), nullptr);  // not ours: null, nothing touched
  std::size_t used = a.stats().used_count;
  EXPECT_EQ(a.realloc(r, 0), nullptr);  // size 0 frees
  EXPECT_EQ(a.stats().used_count, used - 1);
}

TEST(ArenasFreeList, FreeAllStartsOver) {
  pm::FreeListArena a(8192);
  void *first = a.malloc(10);
  for (int i = 0; i < 20; i++) a.malloc(100);
  a.free_all();
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.used_count, 0u);
  EXPECT_EQ(s.free_count, 0u);
  EXPECT_EQ(s.used_bytes, 0u);
  EXPECT_EQ(a.malloc(10), first);
  EXPECT_FALSE(a.free(static_cast<char *>(first) + 512));  // stale pointers are not ours now
}

TEST(ArenasFreeList, StatsAndAvailable) {
  pm::FreeListArena a(8192);
  pm::FreeListStats s0 = a.stats();
  EXPECT_EQ(s0.used_count, 0u);
  EXPECT_GT(s0.available, 6000u);
  EXPECT_LT(s0.available, 8192u);
  void *p = a.malloc(1000);
  pm::FreeListStats s1 = a.stats();
  EXPECT_EQ(s1.used_count, 1u);
  EXPECT_GE(s1.used_bytes, 1008u);
  EXPECT_EQ(s1.available, s0.available - s1.used_bytes);
  EXPECT_EQ(s1.top, s0.top + s1.used_bytes);
  EXPECT_TRUE(a.free(p));
  EXPECT_EQ(a.stats().available, s0.available);
}

TEST(ArenasFreeList, BufferCanBeDetachedCopiedAndAttached) {
  alignas(64) static std::byte one[16384];
  alignas(64) static std::byte two[16384];
  std::size_t off_a, off_b;
  {
    pm::FreeListArena a{std::span<std::byte>(one)};
    ASSERT_TRUE(a.valid());
    char *x = static_cast<char *>(a.malloc(300));
    char *y = static_cast<char *>(a.malloc(40));
    std::strcpy(x, "kept across owners");
    std::strcpy(y, "second");
    EXPECT_TRUE(a.free(a.malloc(100)));
    off_a = static_cast<std::size_t>(x - reinterpret_cast<char *>(one));
    off_b = static_cast<std::size_t>(y - reinterpret_cast<char *>(one));
    std::span<std::byte> buf = a.detach();
    EXPECT_EQ(buf.data(), one);
    EXPECT_FALSE(a.valid());
  }
  std::memcpy(two, one, sizeof two);  // offsets, not pointers: a copy is an arena too
  for (std::byte *buf : {one, two}) {
    pm::FreeListArena b = pm::FreeListArena::attach(std::span<std::byte>(buf, sizeof one));
    ASSERT_TRUE(b.valid());
    char *x = reinterpret_cast<char *>(buf) + off_a;
    char *y = reinterpret_cast<char *>(buf) + off_b;
    EXPECT_STREQ(x, "kept across owners");
    EXPECT_EQ(b.stats().used_count, 2u);
    EXPECT_TRUE(b.free(y));
    EXPECT_FALSE(b.free(y));
    EXPECT_NE(b.malloc(30), nullptr);
  }
  EXPECT_FALSE(pm::FreeListArena::attach(std::span<std::byte>(one, sizeof one - 8)).valid());
  EXPECT_FALSE(pm::FreeListArena::attach(std::span<std::byte>(one + 8, sizeof one - 8)).valid());
  alignas(16) std::byte junk[4096] = {};
  EXPECT_FALSE(pm::FreeListArena::attach(std::span<std::byte>(junk)).valid());
  EXPECT_EQ(pm_freelist_attach(nullptr, 4096), nullptr);
}

TEST(ArenasFreeList, OwnedBufferCanChangeOwner) {
  pm::FreeListArena a(4096);
  void *p = a.malloc(10);
  std::span<std::byte> buf = a.detach();
  {
    pm::FreeListArena b = pm::FreeListArena::attach(buf, /*take_ownership=*/true);
    ASSERT_TRUE(b.valid());
    EXPECT_TRUE(b.free(p));
  }  // b gave the owned buffer back (a leak or a double free would show under ASan)
}

TEST(ArenasFreeList, RandomWorkloadKeepsContentsAndAccounts) {
  for (bool coalesce : {true, false}) {
    pm::FreeListArena a(1 << 18, pm::FreeListOptions{16, coalesce, true, 0, !coalesce});
    std::size_t top0 = a.stats().top;
    std::mt19937 rng(42);
    struct Live {
      unsigned char *p;
      std::size_t n;
      unsigned char tag;
    };
    std::vector<Live> live;
    for (int step = 0; step < 4000; step++) {
      unsigned op = rng() % 10;
      if (op < 5 || live.empty()) {
        std::size_t n = 1 + rng() % (rng() % 4 == 0 ? 3000 : 200);
        auto *p = static_cast<unsigned char *>(a.malloc(n));
        if (p == nullptr) continue;
        auto tag = static_cast<unsigned char>(rng());
        std::memset(p, tag, n);
        live.push_back({p, n, tag});
      } else if (op < 8) {
        std::size_t i = rng() % live.size();
        for (std::size_t k = 0; k < live[i].n; k++) ASSERT_EQ(live[i].p[k], live[i].tag);
        ASSERT_TRUE(a.free(live[i].p));
        live[i] = live.back();
        live.pop_back();
      } else {
        std::size_t i = rng() % live.size();
        std::size_t n = 1 + rng() % 2000;
        auto *q = static_cast<unsigned char *>(a.realloc(live[i].p, n));
        if (q == nullptr) continue;
        for (std::size_t k = 0; k < std::min(n, live[i].n); k++) ASSERT_EQ(q[k], live[i].tag);
        std::memset(q, live[i].tag, n);
        live[i].p = q;
        live[i].n = n;
      }
    }
    EXPECT_EQ(a.stats().used_count, live.size());
    expect_accounted(a, top0);
    for (auto &l : live) ASSERT_TRUE(a.free(l.p));
    if (coalesce) {
      EXPECT_EQ(a.stats().top, top0);  // everything merged back
    }
  }
}

TEST(ArenasFreeList, QuickListsReuseExactSizesAndMergeWhenSpaceRunsOut) {
  pm::FreeListArena a(1 << 14);
  void *x = a.malloc(100);
  void *y = a.malloc(100);
  ASSERT_TRUE(x && y);
  EXPECT_TRUE(a.free(x));
  EXPECT_FALSE(a.free(x));  // a quick block is free: a second free is caught
  EXPECT_EQ(a.usable_size(x), 0u);
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.used_count, 1u);
  EXPECT_EQ(s.free_count, 1u);
  std::size_t live = 0;
  a.walk([&](void *, std::size_t) { live++; });
  EXPECT_EQ(live, 1u);           // the walk lists live blocks only
  EXPECT_EQ(a.malloc(100), x);   // the same size takes it back
  EXPECT_TRUE(a.free(x));
  EXPECT_TRUE(a.free(y));
  // Everything is free: one request for (nearly) all the space merges the quick blocks.
  void *big = a.malloc(a.stats().available - 64);
  EXPECT_NE(big, nullptr);
  EXPECT_EQ(a.stats().free_count, 0u);
}

TEST(ArenasFreeList, CApi) {
  alignas(16) static unsigned char buf[4096];
  pm_freelist_options_t o = PM_FREELIST_OPTIONS_DEFAULT;
  pm_freelist_t *fl = pm_freelist_create(buf, sizeof buf, &o);
  ASSERT_NE(fl, nullptr);
  EXPECT_EQ(pm_freelist_buffer(fl), static_cast<void *>(buf));
  EXPECT_EQ(pm_freelist_size(fl), sizeof buf);
  void *p = pm_freelist_malloc(fl, 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pm_freelist_dealloc(fl, p), PM_ARENA_OK);
  EXPECT_EQ(pm_freelist_dealloc(fl, p), PM_ARENA_EDOUBLEFREE);
  pm_freelist_stats_t s;
  pm_freelist_stats(fl, &s);
  EXPECT_EQ(s.used_count, 0u);
  pm_freelist_free(fl);  // a caller's buffer: nothing to give back
  EXPECT_EQ(pm_freelist_attach(buf, sizeof buf), fl);
  EXPECT_EQ(pm_freelist_create(buf + 1, 4000, nullptr), nullptr);  // unaligned buffer
  o.align = 12;
  EXPECT_EQ(pm_freelist_create(buf, sizeof buf, &o), nullptr);
  pm_freelist_t *owned = pm_freelist_new(1 << 16, nullptr);
  ASSERT_NE(owned, nullptr);
  EXPECT_NE(pm_freelist_malloc_fill(owned, 10, 0), nullptr);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_NE(pm_freelist_calloc(owned, 10, 0), nullptr);  // the old name still works
#pragma GCC diagnostic pop
  pm_freelist_free(owned);
  EXPECT_EQ(pm_freelist_malloc(nullptr, 8), nullptr);
  EXPECT_EQ(pm_freelist_dealloc(nullptr, p), PM_ARENA_EINVAL);
}

}  // namespace
