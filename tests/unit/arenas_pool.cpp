// pm::Pool, pm::ObjectPool and the pm_pool_* C API.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "poolmalloc.hpp"

namespace {

TEST(ArenasPool, AllocUntilExhaustedThenReuse) {
  pm::Pool p(64, 100);
  ASSERT_TRUE(p.valid());
  EXPECT_EQ(p.block_size(), 64u);
  EXPECT_EQ(p.num_free_blocks(), 100u);
  std::vector<void *> blocks;
  std::set<void *> distinct;
  for (int i = 0; i < 100; i++) {
    void *b = p.alloc();
    ASSERT_NE(b, nullptr);
    std::memset(b, i, 64);
    blocks.push_back(b);
    distinct.insert(b);
  }
  EXPECT_EQ(distinct.size(), 100u);
  EXPECT_EQ(p.alloc(), nullptr);  // exhausted
  EXPECT_EQ(p.num_allocated(), 100u);
  for (int i = 0; i < 100; i++) ASSERT_EQ(static_cast<unsigned char *>(blocks[i])[63], i);
  EXPECT_TRUE(p.dealloc(blocks[42]));
  EXPECT_EQ(p.num_free_blocks(), 1u);
  EXPECT_EQ(p.alloc(), blocks[42]);
  for (void *b : blocks) EXPECT_TRUE(p.dealloc(b));
  EXPECT_EQ(p.num_free_blocks(), 100u);
  EXPECT_EQ(p.num_allocated(), 0u);
}

TEST(ArenasPool, DetectsForeignInteriorAndDoubleFrees) {
  pm::Pool p(32, 4);
  void *a = p.alloc();
  ASSERT_NE(a, nullptr);
  int local = 0;
  EXPECT_FALSE(p.dealloc(&local));
  EXPECT_EQ(pm_pool_dealloc(p.handle(), &local), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_pool_dealloc(p.handle(), static_cast<char *>(a) + 8), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_pool_dealloc(p.handle(), nullptr), PM_ARENA_ENOTOWNED);
  EXPECT_TRUE(p.owns(a));
  EXPECT_TRUE(p.dealloc(a));
  EXPECT_FALSE(p.owns(a));
  EXPECT_EQ(pm_pool_dealloc(p.handle(), a), PM_ARENA_EDOUBLEFREE);
  // A block never handed out is free too.
  void *b = p.alloc();
  EXPECT_EQ(pm_pool_dealloc(p.handle(), static_cast<char *>(b) + 64), PM_ARENA_EDOUBLEFREE);
  EXPECT_EQ(p.num_free_blocks(), 3u);  // none of the misuse changed the counts
}

TEST(ArenasPool, BlockSizeIsAtLeastAPointerAndAligned) {
  pm::Pool tiny(1, 8);
  EXPECT_GE(tiny.block_size(), sizeof(void *));
  pm::Pool odd(24, 8);
  EXPECT_EQ(odd.block_size(), 24u);
  EXPECT_EQ(odd.alignment(), 8u);
  pm::Pool wide(100, 8, pm::PoolOptions{64});
  EXPECT_EQ(wide.block_size(), 128u);
  for (int i = 0; i < 8; i++)
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(wide.alloc()) % 64, 0u);
  pm::Pool bad(16, 8, pm::PoolOptions{12});
  EXPECT_FALSE(bad.valid());
  EXPECT_EQ(bad.alloc(), nullptr);
}

TEST(ArenasPool, GrowsWithinMaxBlocks) {
  pm::Pool p(16, 4, pm::PoolOptions{0, true, 20});
  std::vector<void *> v;
  for (void *b; (b = p.alloc()) != nullptr;) v.push_back(b);
  EXPECT_EQ(v.size(), 20u);
  EXPECT_EQ(p.num_blocks(), 20u);
  for (void *b : v) ASSERT_TRUE(p.dealloc(b));  // every slab's blocks are recognised
  for (void *b : v) ASSERT_FALSE(p.dealloc(b));
  EXPECT_EQ(p.num_free_blocks(), 20u);
}

TEST(ArenasPool, FullSlabTakesFreedBlocksOfAnOlderOneBeforeGrowing) {
  pm::Pool p(32, 4, pm::PoolOptions{0, true, 0});
  std::vector<void *> v;
  for (int i = 0; i < 16; i++) v.push_back(p.alloc());  // slabs of 4, 4 and 8: all full
  ASSERT_EQ(p.num_blocks(), 16u);
  ASSERT_TRUE(p.dealloc(v[1]));  // the first slab's blocks: freed through the C path
  ASSERT_TRUE(p.dealloc(v[2]));
  EXPECT_FALSE(p.dealloc(v[2]));
  EXPECT_EQ(p.num_free_blocks(), 2u);
  std::set<void *> again{p.alloc(), p.alloc()};
  EXPECT_EQ(again, (std::set<void *>{v[1], v[2]}));
  EXPECT_EQ(p.num_blocks(), 16u);  // no new slab while an old one had room
  EXPECT_NE(p.alloc(), nullptr);    // now it grows
  EXPECT_EQ(p.num_blocks(), 32u);
}

TEST(ArenasPool, InlineAndCPathsShareTheState) {
  pm::Pool p(24, 64);
  std::vector<void *> v;
  for (int i = 0; i < 32; i++) v.push_back(i % 2 ? p.alloc() : pm_pool_alloc(p.handle()));
  EXPECT_EQ(std::set<void *>(v.begin(), v.end()).size(), 32u);
  for (int i = 0; i < 32; i += 2) ASSERT_TRUE(p.dealloc(v[i]));
  for (int i = 1; i < 32; i += 2) ASSERT_EQ(pm_pool_dealloc(p.handle(), v[i]), PM_ARENA_OK);
  for (void *b : v) {
    EXPECT_FALSE(p.dealloc(b));
    EXPECT_EQ(pm_pool_dealloc(p.handle(), b), PM_ARENA_EDOUBLEFREE);
  }
  EXPECT_FALSE(p.dealloc(static_cast<char *>(v[0]) + 8));  // inside a block
  EXPECT_FALSE(p.dealloc(static_cast<char *>(v[0]) - 24 * 64));  // below the slab
  EXPECT_EQ(p.num_free_blocks(), 64u);
  EXPECT_EQ(p.alloc(), v[31]);  // the most recently freed block first
}

TEST(ArenasPool, LayoutInterface) {
  pm::Pool p(48, 2);
  EXPECT_FALSE(p.alloc(pm::Layout{49, 8}));
  EXPECT_FALSE(p.alloc(pm::Layout{8, 32}));
  pm::Allocation a = p.alloc(pm::Layout{40, 8});
  ASSERT_TRUE(a);
  EXPECT_EQ(a.size, 48u);
  EXPECT_TRUE(p.dealloc(a.ptr, pm::Layout{40, 8}));
}

struct Tracked {
  static inline int live = 0;
  int value;
  explicit Tracked(int v) : value(v) { live++; }
  ~Tracked() { live--; }
};

struct Throws {
  explicit Throws(bool t) {
    if (t) throw 1;
  }
};

TEST(ArenasPool, ObjectPoolConstructsAndDestroys) {
  pm::ObjectPool<Tracked> op(3);
  Tracked *a = op.create(1);
  Tracked *b = op.create(2);
  Tracked *c = op.create(3);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(Tracked::live, 3);
  EXPECT_EQ(b->value, 2);
  EXPECT_EQ(op.create(4), nullptr);  // exhausted: nothing constructed
  EXPECT_EQ(Tracked::live, 3);
  EXPECT_TRUE(op.destroy(b));
  EXPECT_EQ(Tracked::live, 2);
  EXPECT_FALSE(op.destroy(b));  // double destroy: reported, no destructor runs
  EXPECT_EQ(Tracked::live, 2);
  Tracked outside(9);
  EXPECT_FALSE(op.destroy(&outside));
  EXPECT_EQ(Tracked::live, 3);
  EXPECT_TRUE(op.destroy(a));
  EXPECT_TRUE(op.destroy(c));
  EXPECT_EQ(op.num_allocated(), 0u);
}

TEST(ArenasPool, ObjectPoolReturnsTheBlockWhenTheConstructorThrows) {
  pm::ObjectPool<Throws> op(1);
  EXPECT_THROW(op.create(true), int);
  EXPECT_EQ(op.num_free_blocks(), 1u);
  EXPECT_NE(op.create(false), nullptr);
}

TEST(ArenasPool, CApi) {
  pm_pool_t *p = pm_pool_new(64, 2);
  ASSERT_NE(p, nullptr);
  void *a = pm_pool_alloc(p), *b = pm_pool_alloc(p);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(pm_pool_alloc(p), nullptr);
  EXPECT_EQ(pm_pool_num_allocated(p), 2u);
  EXPECT_EQ(pm_pool_check(p, a), PM_ARENA_OK);
  EXPECT_EQ(pm_pool_dealloc(p, a), PM_ARENA_OK);
  EXPECT_EQ(pm_pool_check(p, a), PM_ARENA_EDOUBLEFREE);
  EXPECT_EQ(pm_pool_num_free_blocks(p), 1u);
  EXPECT_EQ(pm_pool_block_size(p), 64u);
  pm_pool_free(p);
  pm_pool_options_t o{0, 1, 0};
  pm_pool_t *g = pm_pool_new_ex(8, 0, &o);  // growing, no memory until the first alloc
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(pm_pool_num_blocks(g), 0u);
  EXPECT_NE(pm_pool_alloc(g), nullptr);
  pm_pool_free(g);
  pm_pool_t *empty = pm_pool_new(64, 0);  // no blocks and no growth: allocates nothing
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(pm_pool_alloc(empty), nullptr);
  pm_pool_free(empty);
  EXPECT_EQ(pm_pool_dealloc(nullptr, a), PM_ARENA_EINVAL);
  EXPECT_EQ(pm_pool_new(SIZE_MAX / 2, 4), nullptr);
}

}  // namespace
