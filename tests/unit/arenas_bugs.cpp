// Misuse and adapter cases that once went wrong: each test failed before its fix.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <vector>

#include "poolmalloc.hpp"

namespace {

// A freed small block is no longer "external array data": copying from or onto it is an
// error, as for a disposed smalloc object.
TEST(ArenasBugs, CopyOntoRefusesFreedSmallBlocks) {
  char *live = static_cast<char *>(pm_malloc(64));
  char *dead = static_cast<char *>(pm_malloc(64));
  ASSERT_NE(live, nullptr);
  ASSERT_NE(dead, nullptr);
  std::memset(live, 'a', 64);
  EXPECT_EQ(pm_copy_onto(live, 0, dead, 0, 8), PM_ARENA_OK);
  pm_free(dead);
  EXPECT_EQ(pm_copy_onto(dead, 0, live, 0, 8), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_copy_onto(live, 0, dead, 0, 8), PM_ARENA_ENOTOWNED);
  EXPECT_THROW(pm::copy_onto(dead, 0, live, 0, 8), std::invalid_argument);
  EXPECT_THROW(pm::copy_onto(live, 0, dead, 0, 8), std::invalid_argument);
  // The heap is intact: the freed block comes back and works.
  void *again = pm_malloc(64);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(pm_copy_onto(live, 0, again, 0, 64), PM_ARENA_OK);
  EXPECT_EQ(std::memcmp(live, again, 64), 0);
  pm_free(again);
  pm_free(live);
}

// The same for a freed block deep in its page's free list (others freed after it): the
// query follows the list's links as the allocator stores them (encoded in the hardened
// variant, where following them raw once went astray).
TEST(ArenasBugs, CopyOntoRefusesABlockDeepInTheFreeList) {
  char *live = static_cast<char *>(pm_malloc(48));
  std::vector<void *> dead;
  for (int i = 0; i < 8; i++) dead.push_back(pm_malloc(48));
  ASSERT_NE(live, nullptr);
  for (void *d : dead) pm_free(d);  // dead[0] is now the last block of the list
  for (void *d : dead) EXPECT_EQ(pm_copy_onto(live, 0, d, 0, 8), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_copy_onto(live, 0, live, 8, 8), PM_ARENA_OK);
  pm_free(live);
}

// A mark from before reset() must not be accepted after it, even when the arena had grown
// into chunks (the kept spare chunk is not "before" the current position).
TEST(ArenasBugs, BumpMarkFromBeforeResetIsRefusedAfterGrowth) {
  pm::BumpArena a(pm::BumpGrowth{.chunk_size = 4096}, 4096);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(a.alloc({3200, 8}));  // several chunks
  pm::BumpMark m = a.mark();
  a.reset();
  ASSERT_TRUE(a.alloc({10, 1}));
  EXPECT_FALSE(a.rewind(m));
  EXPECT_EQ(a.total_allocated(), 10u);
  std::size_t areas = 0, bytes = 0;
  a.walk([&](void *, std::size_t n) { areas++; bytes += n; });
  EXPECT_EQ(areas, 1u);
  EXPECT_EQ(bytes, 10u);
  // The same in the first region: a reset invalidates every mark.
  pm::BumpArena b(4096);
  ASSERT_TRUE(b.alloc({100, 1}));
  pm::BumpMark m2 = b.mark();
  b.reset();
  ASSERT_TRUE(b.alloc({200, 1}));
  EXPECT_FALSE(b.rewind(m2));
  EXPECT_EQ(b.total_allocated(), 200u);
}

struct alignas(64) Wide {
  char bytes[64];
};

TEST(ArenasBugs, FreeListServesAlignmentsAboveItsOwn) {
  pm::FreeListArena a(1 << 20);
  ASSERT_EQ(a.alignment(), 16u);
  for (std::size_t align = 32; align <= 4096; align *= 2) {
    pm::Allocation x = a.alloc({100, align});
    ASSERT_TRUE(x) << align;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x.ptr) % align, 0u) << align;
    EXPECT_GE(x.size, 100u);
    std::memset(x.ptr, 0x5a, x.size);
    EXPECT_EQ(a.usable_size(x.ptr), x.size);
  }
  pm::FreeListResource r(a);
  std::pmr::vector<Wide> v(&r);
  for (int i = 0; i < 100; i++) v.push_back(Wide{});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % 64, 0u);
  v.clear();
  v.shrink_to_fit();
  EXPECT_FALSE(a.alloc({8, 3}));  // still not a power of two
}

TEST(ArenasBugs, FreeListAlignedBlocksFreeAndCoalesce) {
  pm::FreeListArena a(1 << 16);
  std::vector<void *> v;
  for (int i = 0; i < 20; i++) {
    void *p = a.alloc({static_cast<std::size_t>(24 + i * 8), std::size_t{64} << (i % 4)}).ptr;
    ASSERT_NE(p, nullptr);
    v.push_back(p);
  }
  for (std::size_t i = 0; i < v.size(); i += 2) EXPECT_TRUE(a.free(v[i]));
  for (std::size_t i = 1; i < v.size(); i += 2) EXPECT_TRUE(a.free(v[i]));
  pm::FreeListStats s = a.stats();
  EXPECT_EQ(s.used_count, 0u);
  EXPECT_EQ(s.free_bytes + (s.available - s.free_bytes), s.available);
  EXPECT_EQ(s.available, a.stats().available);
  // Everything merged back: the whole space is one piece again.
  EXPECT_NE(a.malloc(s.available - 64), nullptr);
}

TEST(ArenasBugs, PoolResourcePassesOtherRequestsUpstream) {
  pm::Pool pool(16, 64);
  pm::PoolResource r(pool);
  std::pmr::vector<int> v(&r);
  for (int i = 0; i < 10000; i++) v.push_back(i);
  EXPECT_EQ(v[9999], 9999);
  void *small = r.allocate(16, 8);
  EXPECT_TRUE(pool.owns(small));
  void *wide = r.allocate(16, 64);  // fits the size, not the alignment
  EXPECT_FALSE(pool.owns(wide));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(wide) % 64, 0u);
  r.deallocate(wide, 16, 64);
  r.deallocate(small, 16, 8);
  // An exhausted pool passes fitting requests upstream too.
  std::vector<void *> held;
  for (int i = 0; i < 100; i++) held.push_back(r.allocate(16, 8));
  EXPECT_EQ(pool.num_free_blocks(), 0u);
  for (void *p : held) r.deallocate(p, 16, 8);
  EXPECT_EQ(pool.num_free_blocks(), pool.num_blocks());
  // A chosen upstream.
  std::pmr::monotonic_buffer_resource mono;
  pm::PoolResource r2(pool, &mono);
  EXPECT_EQ(r2.upstream(), &mono);
  void *big = r2.allocate(1000, 8);
  EXPECT_FALSE(pool.owns(big));
  r2.deallocate(big, 1000, 8);
}

}  // namespace
