// pm::scratch and the pm_scratch_* C API: per-thread arenas, conflicts, nesting, threads.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "poolmalloc.hpp"

namespace {

// Builds its result in `out` and its temporaries in scratch that must not be `out`.
int *build_squares(pm::BumpRef out, int n) {
  auto tmp = pm::scratch(out);
  EXPECT_NE(tmp.handle(), out.handle());
  int *work = tmp.alloc_array<int>(static_cast<std::size_t>(n));
  for (int i = 0; i < n; i++) work[i] = i * i;
  int *result = out.alloc_array<int>(static_cast<std::size_t>(n));
  std::memcpy(result, work, sizeof(int) * static_cast<std::size_t>(n));
  return result;
}

TEST(ArenasScratch, ScopeRewindsOnExit) {
  pm_bump_t *arena;
  std::size_t before;
  {
    auto s = pm::scratch();
    ASSERT_TRUE(s);
    arena = s.handle();
    before = s.total_allocated();
    ASSERT_TRUE(s.alloc({1000, 8}));
    EXPECT_EQ(s.total_allocated(), before + 1000);
  }
  auto again = pm::scratch();
  EXPECT_EQ(again.handle(), arena);  // no conflicts: the same arena each time
  EXPECT_EQ(again.total_allocated(), before);
}

TEST(ArenasScratch, NestingOnTheSameArena) {
  auto outer = pm::scratch();
  void *a = outer.alloc({64, 8}).ptr;
  std::memset(a, 1, 64);
  std::size_t mid = outer.total_allocated();
  {
    auto inner = pm::scratch();
    EXPECT_EQ(inner.handle(), outer.handle());
    void *b = inner.alloc({64, 8}).ptr;
    EXPECT_NE(a, b);
    std::memset(b, 2, 64);
  }
  EXPECT_EQ(outer.total_allocated(), mid);
  EXPECT_EQ(static_cast<unsigned char *>(a)[63], 1);
}

TEST(ArenasScratch, ConflictsPickAnotherArena) {
  auto s1 = pm::scratch();
  int *squares = build_squares(s1.arena(), 100);  // result in s1, temporaries elsewhere
  EXPECT_EQ(squares[99], 99 * 99);
  auto s2 = pm::scratch(s1);
  auto s3 = pm::scratch(s1, s2);
  auto s4 = pm::scratch(s1, s2, s3);
  EXPECT_NE(s2.handle(), s1.handle());
  EXPECT_NE(s3.handle(), s1.handle());
  EXPECT_NE(s3.handle(), s2.handle());
  EXPECT_TRUE(s4);
  auto none = pm::scratch(s1, s2, s3, s4);  // every arena conflicts
  EXPECT_FALSE(none);
  EXPECT_FALSE(none.alloc({8, 8}));
  pm::BumpArena mine(1024);
  auto s5 = pm::scratch(mine, s2.handle());  // foreign arenas and raw handles too
  EXPECT_EQ(s5.handle(), s1.handle());
}

TEST(ArenasScratch, GrowsOnDemand) {
  auto s = pm::scratch();
  for (int i = 0; i < 64; i++) {
    pm::Allocation a = s.alloc({64 * 1024, 64});
    ASSERT_TRUE(a) << i;
    std::memset(a.ptr, i, a.size);
  }
  EXPECT_GE(s.total_allocated(), 64u * 64 * 1024);
}

TEST(ArenasScratch, ThreadsHaveTheirOwnArenas) {
  pm_bump_t *mine;
  {
    auto s = pm::scratch();
    mine = s.handle();
  }
  std::vector<std::thread> threads;
  std::vector<pm_bump_t *> theirs(4);
  for (int t = 0; t < 4; t++)
    threads.emplace_back([t, &theirs] {
      for (int round = 0; round < 50; round++) {
        auto s = pm::scratch();
        theirs[static_cast<std::size_t>(t)] = s.handle();
        auto *p = static_cast<unsigned char *>(s.alloc({100000, 16}).ptr);  // a chunk each
        ASSERT_NE(p, nullptr);
        std::memset(p, t, 100000);
        ASSERT_EQ(p[99999], t);
      }
    });  // each thread's chunks are released when it exits (LSan / valgrind would tell)
  for (auto &th : threads) th.join();
  for (int t = 0; t < 4; t++) EXPECT_NE(theirs[static_cast<std::size_t>(t)], mine);
}

TEST(ArenasScratch, CApi) {
  pm_scratch_t a = pm_scratch_begin(nullptr, 0);
  ASSERT_NE(a.arena, nullptr);
  const pm_bump_t *conflicts[] = {a.arena};
  pm_scratch_t b = pm_scratch_begin(conflicts, 1);
  ASSERT_NE(b.arena, nullptr);
  EXPECT_NE(b.arena, a.arena);
  pm_bump_t *b_arena = b.arena;
  std::size_t before = pm_bump_total_allocated(b_arena);
  EXPECT_NE(pm_bump_alloc(b_arena, {100, 8}).ptr, nullptr);
  EXPECT_EQ(pm_bump_total_allocated(b_arena), before + 100);
  pm_scratch_end(&b);
  EXPECT_EQ(b.arena, nullptr);
  EXPECT_EQ(pm_bump_total_allocated(b_arena), before);
  pm_scratch_end(&a);
  pm_scratch_end(nullptr);
}

}  // namespace
