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

// The C++ fast paths (inline in poolmalloc.hpp) and the C calls work on the same state:
// blocks pushed by one are popped by the other, and both agree on sizes and the walk.
TEST(ArenasStack, InlineAndCPathsShareTheirState) {
  pm::StackArena s(4096);
  pm_stack_t *h = s.handle();
  void *a = s.alloc({24, 8}).ptr;                 // inline
  void *b = pm_stack_alloc(h, {40, 32}).ptr;      // C
  void *c = s.alloc({8, 8192}).ptr;               // above 4 KiB alignment: the C path
  void *d = s.alloc({100, 64}).ptr;               // inline again, above the C blocks
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(c, nullptr);                          // 8 KiB alignment does not fit 4 KiB
  EXPECT_TRUE(aligned(b, 32) && aligned(d, 64));
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(pm_stack_block_size(h, a), 24u);
  EXPECT_EQ(pm_stack_block_size(h, b), 40u);
  EXPECT_EQ(pm_stack_block_size(h, d), 100u);
  EXPECT_FALSE(s.dealloc(b));                     // not on top
  EXPECT_EQ(pm_stack_pop(h), PM_ARENA_OK);        // d, pushed inline, popped by C
  EXPECT_TRUE(s.dealloc(b));                      // b, pushed by C, freed inline
  EXPECT_TRUE(s.holds(a));
  EXPECT_TRUE(s.pop());
  EXPECT_EQ(s.remaining(), 4096u);
  EXPECT_FALSE(s.pop());
  EXPECT_FALSE(s.dealloc(a));
}

// The top and the headers are pointers into the buffer, so a moved arena keeps its blocks.
TEST(ArenasStack, AMovedArenaKeepsItsBlocks) {
  pm::StackArena s(1024);
  void *a = s.alloc({16, 16}).ptr;
  void *b = s.alloc({32, 16}).ptr;
  ASSERT_TRUE(a && b);
  pm::StackArena t(std::move(s));
  EXPECT_FALSE(s.alloc({8, 8}));  // the moved-from arena has no region: refused, no crash
  EXPECT_FALSE(s.pop());
  EXPECT_EQ(t.count(), 2u);
  EXPECT_TRUE(t.dealloc(b));
  EXPECT_TRUE(t.holds(a));
  EXPECT_EQ(t.alloc({32, 16}).ptr, b);
  t.reset();
  EXPECT_EQ(t.remaining(), 1024u);
}

// A header damaged so that it points outside the region (or upwards) stops the walk with
// ECORRUPT instead of reading wild memory or looping.
int count_visit(void *, std::size_t, void *arg) {
  ++*static_cast<int *>(arg);
  return 0;
}

TEST(ArenasStack, WalkReportsADamagedHeader) {
  alignas(16) std::byte buf[512];
  pm_stack_t s;
  ASSERT_EQ(pm_stack_init(&s, buf, sizeof buf), PM_ARENA_OK);
  ASSERT_NE(pm_stack_alloc(&s, {16, 8}).ptr, nullptr);
  char *b = static_cast<char *>(pm_stack_alloc(&s, {16, 8}).ptr);
  ASSERT_NE(b, nullptr);
  char **h = reinterpret_cast<char **>(b) - 2;
  char *saved = h[1];
  int n = 0;
  EXPECT_EQ(pm_stack_walk(&s, count_visit, &n), PM_ARENA_OK);
  EXPECT_EQ(n, 2);
  h[1] = b;  // the block before it is itself: would loop
  EXPECT_EQ(pm_stack_walk(&s, count_visit, &n), PM_ARENA_ECORRUPT);
  h[1] = reinterpret_cast<char *>(reinterpret_cast<std::uintptr_t>(buf) - 64);  // below the region
  EXPECT_EQ(pm_stack_walk(&s, count_visit, &n), PM_ARENA_ECORRUPT);
  h[1] = saved;
  n = 0;
  EXPECT_EQ(pm_stack_walk(&s, count_visit, &n), PM_ARENA_OK);
  EXPECT_EQ(n, 2);
  pm_stack_destroy(&s);
}

}  // namespace
