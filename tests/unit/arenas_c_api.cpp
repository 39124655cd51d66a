// The bump arena's C API and the argument checks of the C entry points (the other arenas'
// C forms are tested in their own files).
#include <gtest/gtest.h>

#include <cstring>

#include "poolmalloc_arenas.h"

namespace {

TEST(ArenasCApi, BumpLifecycle) {
  pm_bump_t *b = pm_bump_new(1024);
  ASSERT_NE(b, nullptr);
  pm_allocation_t a = pm_bump_alloc(b, {100, 16});
  ASSERT_NE(a.ptr, nullptr);
  EXPECT_EQ(a.size, 100u);
  pm_allocation_t z = pm_bump_alloc_zeroed(b, {64, 8});
  ASSERT_NE(z.ptr, nullptr);
  for (int i = 0; i < 64; i++) ASSERT_EQ(static_cast<char *>(z.ptr)[i], 0);
  EXPECT_EQ(pm_bump_alloc(b, {2000, 8}).ptr, nullptr);
  EXPECT_EQ(pm_bump_alloc(b, {8, 0}).ptr, nullptr);
  pm_bump_mark_t m = pm_bump_mark(b);
  EXPECT_NE(pm_bump_alloc(b, {10, 1}).ptr, nullptr);
  EXPECT_EQ(pm_bump_rewind(b, m), PM_ARENA_OK);
  EXPECT_EQ(pm_bump_total_allocated(b), 168u);  // 100, padding to 8, 64
  pm_bump_reset(b);
  EXPECT_EQ(pm_bump_remaining(b), 1024u);
  EXPECT_EQ(pm_bump_rewind(b, m), PM_ARENA_EBADMARK);
  EXPECT_EQ(pm_bump_capacity(b), 1024u);
  pm_bump_free(b);
}

TEST(ArenasCApi, BumpOnStorageWithOptions) {
  unsigned char buf[128];
  pm_bump_options_t o = {1, 4096, 8192, 16384, nullptr};
  pm_bump_t b;
  ASSERT_EQ(pm_bump_init(&b, buf, sizeof buf, &o), PM_ARENA_OK);
  EXPECT_EQ(pm_bump_alloc(&b, {100, 1}).ptr, static_cast<void *>(buf));
  EXPECT_NE(pm_bump_alloc(&b, {100, 1}).ptr, nullptr);  // from a chunk
  EXPECT_EQ(pm_bump_alloc(&b, {20000, 1}).ptr, nullptr);  // over the limit
  pm_bump_destroy(&b);
  EXPECT_EQ(pm_bump_init(nullptr, buf, 1, nullptr), PM_ARENA_EINVAL);
  EXPECT_EQ(pm_bump_init(&b, nullptr, PM_MAX_ALLOC_SIZE + 1, nullptr), PM_ARENA_ENOMEM);
  pm_bump_t *n = pm_bump_new_ex(nullptr, 0, &o);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(pm_bump_capacity(n), 0u);
  EXPECT_NE(pm_bump_alloc(n, {10, 8}).ptr, nullptr);
  EXPECT_EQ(pm_bump_capacity(n), 4096u);
  pm_bump_free(n);
  pm_bump_free(nullptr);
}

TEST(ArenasCApi, DeallocOfTheLastBlock) {
  pm_bump_t *b = pm_bump_new(256);
  pm_allocation_t x = pm_bump_alloc(b, {16, 8});
  pm_allocation_t y = pm_bump_alloc(b, {16, 8});
  EXPECT_EQ(pm_bump_dealloc(b, x.ptr, 16), 0);
  EXPECT_EQ(pm_bump_dealloc(b, y.ptr, 16), 1);
  EXPECT_EQ(pm_bump_dealloc(b, nullptr, 0), 0);
  pm_bump_free(b);
}

TEST(ArenasCApi, NullArenasAreHarmless) {
  EXPECT_EQ(pm_bump_alloc(nullptr, {8, 8}).ptr, nullptr);
  EXPECT_EQ(pm_bump_remaining(nullptr), 0u);
  EXPECT_EQ(pm_bump_rewind(nullptr, pm_bump_mark(nullptr)), PM_ARENA_EINVAL);
  pm_bump_reset(nullptr);
  EXPECT_EQ(pm_pool_alloc(nullptr), nullptr);
  EXPECT_EQ(pm_pool_num_free_blocks(nullptr), 0u);
  EXPECT_EQ(pm_stack_remaining(nullptr), 0u);
  pm_freelist_free_all(nullptr);
  pm_freelist_stats_t s;
  pm_freelist_stats(nullptr, &s);
  EXPECT_EQ(s.total, 0u);
  EXPECT_EQ(pm_freelist_usable_size(nullptr, &s), 0u);
}

TEST(ArenasCApi, GlobalEntryPoints) {
  pm_allocation_t a = pm_global_alloc({100, 64});
  ASSERT_NE(a.ptr, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.ptr) % 64, 0u);
  std::memset(a.ptr, 3, 100);
  pm_allocation_t b = pm_global_realloc(a.ptr, {100, 64}, {200, 64});
  ASSERT_NE(b.ptr, nullptr);
  EXPECT_EQ(static_cast<char *>(b.ptr)[99], 3);
  pm_global_dealloc(b.ptr, {200, 64});
  pm_allocation_t z = pm_global_alloc_zeroed({50, 8});
  ASSERT_NE(z.ptr, nullptr);
  pm_global_dealloc(z.ptr, {50, 8});
  EXPECT_EQ(pm_global_alloc({8, 6}).ptr, nullptr);
}

}  // namespace
