// pm::StackArena and the pm_stack_* C API.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "poolmalloc.hpp"

namespace {

bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

TEST(ArenasStack, LifoAllocAndPop) {
  pm::StackArena s(2048);
  ASSERT_TRUE(s.valid());
  EXPECT_EQ(s.remaining(), 2048u);
  pm::Allocation a = s.alloc(pm::Layout::of<std::int64_t>());
  pm::Allocation b = s.alloc(pm::Layout::of<std::int32_t>());
  pm::Allocation c = s.alloc({64, 64});
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(aligned(c.ptr, 64));
  EXPECT_EQ(s.count(), 3u);
  std::memset(c.ptr, 1, 64);
  std::size_t after_b_remaining = 0;
  EXPECT_TRUE(s.pop());  // c
  after_b_remaining = s.remaining();
  pm::Allocation c2 = s.alloc({64, 64});
  EXPECT_EQ(c2.ptr, c.ptr);  // the popped space is reused
  EXPECT_TRUE(s.pop());
  EXPECT_EQ(s.remaining(), after_b_remaining);
  EXPECT_TRUE(s.pop());  // b
  EXPECT_TRUE(s.pop());  // a
  EXPECT_EQ(s.remaining(), 2048u);
  EXPECT_FALSE(s.pop());  // empty: reported, not a crash
}

TEST(ArenasStack, FreeingAFreeBlockBelowTheTopIsReported) {
  pm::StackArena s(1024);
  void *a = s.alloc({16, 8}).ptr;
  void *b = s.alloc({16, 8}).ptr;
  ASSERT_TRUE(a && b);
  EXPECT_FALSE(s.dealloc(a));  // not on top: nothing freed
  EXPECT_EQ(s.count(), 2u);
  EXPECT_EQ(pm_stack_dealloc(s.handle(), a), PM_ARENA_ENOTTOP);
  int outside = 0;
  EXPECT_EQ(pm_stack_dealloc(s.handle(), &outside), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_stack_dealloc(s.handle(), nullptr), PM_ARENA_ENOTOWNED);
  EXPECT_TRUE(s.dealloc(b));
  EXPECT_TRUE(s.dealloc(a));
  EXPECT_EQ(pm_stack_dealloc(s.handle(), a), PM_ARENA_EEMPTY);
  EXPECT_EQ(pm_stack_pop(s.handle()), PM_ARENA_EEMPTY);
}

TEST(ArenasStack, ExhaustionAndReset) {
  alignas(16) std::byte buf[256];
  pm::StackArena s{std::span<std::byte>(buf)};
  ASSERT_TRUE(s.valid());
  EXPECT_FALSE(s.alloc({256, 1}));  // the header does not fit too
  int n = 0;
  while (s.alloc({16, 8})) n++;
  EXPECT_EQ(n, 256 / 32);  // 16-byte header + 16-byte block each
  EXPECT_FALSE(s.alloc({1, 1}));
  EXPECT_FALSE(s.alloc({8, 3}));
  s.reset();
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.remaining(), 256u);
  EXPECT_TRUE(s.alloc({200, 8}));
}

TEST(ArenasStack, CApiLifecycle) {
  pm_stack_t *s = pm_stack_new(512);
  ASSERT_NE(s, nullptr);
  pm_allocation_t a = pm_stack_alloc(s, {100, 16});
  ASSERT_NE(a.ptr, nullptr);
  EXPECT_EQ(a.size, 100u);
  EXPECT_EQ(pm_stack_count(s), 1u);
  EXPECT_EQ(pm_stack_alloc(s, {1000, 16}).ptr, nullptr);
  EXPECT_EQ(pm_stack_dealloc(s, a.ptr), PM_ARENA_OK);
  EXPECT_EQ(pm_stack_remaining(s), 512u);
  pm_stack_free(s);
  EXPECT_EQ(pm_stack_new(pm::max_alloc_size + 1), nullptr);
  EXPECT_EQ(pm_stack_pop(nullptr), PM_ARENA_EINVAL);
  EXPECT_EQ(pm_stack_alloc(nullptr, {8, 8}).ptr, nullptr);
}

}  // namespace
