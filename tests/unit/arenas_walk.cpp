// Arena walks: pm_freelist_walk, pm_pool_walk, pm_bump_walk, pm_stack_walk and the C++
// walk() members. Every walk is compared with the blocks the test itself holds, after frees,
// coalescing, growth, rewinds and resets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "poolmalloc.hpp"

namespace {

using Visit = std::pair<void *, std::size_t>;
using Visits = std::vector<Visit>;

template <class A>
using CWalk = int (*)(const A *, pm_walk_visitor_t, void *);

int record(void *ptr, std::size_t size, void *arg) {
  static_cast<Visits *>(arg)->emplace_back(ptr, size);
  return 0;
}

template <class A>
Visits walk_all(CWalk<A> walk, const A *arena) {
  Visits v;
  EXPECT_EQ(walk(arena, record, &v), PM_ARENA_OK);
  return v;
}

Visits sorted(const std::map<void *, std::size_t> &live) { return Visits(live.begin(), live.end()); }

// Stops the walk at visit number `at` with `value`.
struct StopAt {
  std::size_t at;
  int value;
  std::size_t seen = 0;
};
int stop_at(void *, std::size_t, void *arg) {
  auto *s = static_cast<StopAt *>(arg);
  return ++s->seen == s->at ? s->value : 0;
}

// A walk over an arena with at least three live blocks (or areas) stops where asked and
// returns the visitor's value, whatever its sign.
template <class A>
void expect_stops_early(CWalk<A> walk, const A *arena) {
  StopAt second{2, 42};
  EXPECT_EQ(walk(arena, stop_at, &second), 42);
  EXPECT_EQ(second.seen, 2u);
  StopAt first{1, -5};
  EXPECT_EQ(walk(arena, stop_at, &first), -5);
  EXPECT_EQ(first.seen, 1u);
}

template <class A>
void expect_rejects_null(CWalk<A> walk, const A *arena) {
  Visits v;
  EXPECT_EQ(walk(nullptr, record, &v), PM_ARENA_EINVAL);
  EXPECT_EQ(walk(arena, nullptr, nullptr), PM_ARENA_EINVAL);
  EXPECT_TRUE(v.empty());
}

// ---- free-list arena -----------------------------------------------------------------------

std::map<void *, std::size_t> usable_sizes(const pm_freelist_t *fl,
                                           const std::vector<void *> &live) {
  std::map<void *, std::size_t> m;
  for (void *p : live) m[p] = pm_freelist_usable_size(fl, p);
  return m;
}

// The walk gives exactly the live blocks, in address order, and agrees with the stats.
void expect_freelist_walk(const pm_freelist_t *fl, const std::vector<void *> &live) {
  Visits v = walk_all(pm_freelist_walk, fl);
  ASSERT_EQ(v, sorted(usable_sizes(fl, live)));
  pm_freelist_stats_t s;
  pm_freelist_stats(fl, &s);
  std::size_t bytes = 0;
  for (const Visit &x : v) bytes += x.second + 8;  // the header word is counted as used
  EXPECT_EQ(s.used_count, v.size());
  EXPECT_EQ(s.used_bytes, bytes);
}

class ArenasWalkFreeList : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(ArenasWalkFreeList, VisitsExactlyTheLiveBlocksThroughChurn) {
  auto [coalesce, split] = GetParam();
  pm_freelist_options_t o = {16, coalesce ? 1 : 0, split ? 1 : 0, 0, split ? 1 : 0};  // quick lists on and off
  pm_freelist_t *fl = pm_freelist_new(256 * 1024, &o);
  ASSERT_NE(fl, nullptr);
  EXPECT_TRUE(walk_all(pm_freelist_walk, fl).empty());

  std::mt19937 rng(1234);
  std::vector<void *> live;
  for (int round = 0; round < 8; round++) {
    for (int op = 0; op < 60; op++) {
      unsigned pick = rng() % 10;
      if (pick < 5 || live.empty()) {  // malloc (sizes 0 .. 1999, some of them equal)
        void *p = pick == 0 ? pm_freelist_malloc_fill(fl, rng() % 64, 0xab)
                            : pm_freelist_malloc(fl, rng() % 2000);
        if (p != nullptr) live.push_back(p);
      } else if (pick < 8) {  // free: merges with free neighbours when coalescing
        std::size_t i = rng() % live.size();
        ASSERT_EQ(pm_freelist_dealloc(fl, live[i]), PM_ARENA_OK);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      } else {  // realloc: shrinks, grows in place or moves
        std::size_t i = rng() % live.size();
        void *q = pm_freelist_realloc(fl, live[i], 1 + rng() % 3000);
        if (q != nullptr) live[i] = q;
      }
    }
    expect_freelist_walk(fl, live);
  }
  expect_stops_early(pm_freelist_walk, static_cast<const pm_freelist_t *>(fl));

  std::shuffle(live.begin(), live.end(), rng);
  while (live.size() > 3) {
    ASSERT_EQ(pm_freelist_dealloc(fl, live.back()), PM_ARENA_OK);
    live.pop_back();
  }
  expect_freelist_walk(fl, live);
  pm_freelist_free_all(fl);
  EXPECT_TRUE(walk_all(pm_freelist_walk, fl).empty());
  void *again = pm_freelist_malloc(fl, 10);
  ASSERT_NE(again, nullptr);
  expect_freelist_walk(fl, {again});
  pm_freelist_free(fl);
}

INSTANTIATE_TEST_SUITE_P(CoalesceSplit, ArenasWalkFreeList,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(ArenasWalk, FreeListCopiedToAnotherAddressWalksTheSameBlocks) {
  std::vector<std::uint64_t> a(4096), b(4096);  // same alignment (both heap blocks)
  const std::size_t bytes = a.size() * sizeof(std::uint64_t);
  pm_freelist_t *fl = pm_freelist_create(a.data(), bytes, nullptr);
  ASSERT_NE(fl, nullptr);
  std::vector<void *> live;
  for (int i = 0; i < 20; i++) live.push_back(pm_freelist_malloc(fl, 16 + 24 * i));
  for (int i = 0; i < 20; i += 3) ASSERT_EQ(pm_freelist_dealloc(fl, live[i]), PM_ARENA_OK);
  Visits before = walk_all(pm_freelist_walk, fl);
  ASSERT_EQ(before.size(), 13u);

  pm_freelist_detach(fl);  // under ASan: unpoisons the free space for the copy
  std::memcpy(b.data(), a.data(), bytes);
  pm_freelist_t *copy = pm_freelist_attach(b.data(), bytes);
  ASSERT_NE(copy, nullptr);
  Visits after = walk_all(pm_freelist_walk, copy);
  ASSERT_EQ(after.size(), before.size());
  auto *base_a = reinterpret_cast<char *>(a.data());
  auto *base_b = reinterpret_cast<char *>(b.data());
  for (std::size_t i = 0; i < before.size(); i++) {
    EXPECT_EQ(static_cast<char *>(after[i].first) - base_b,
              static_cast<char *>(before[i].first) - base_a);
    EXPECT_EQ(after[i].second, before[i].second);
  }
}

TEST(ArenasWalk, FreeListStopsAtADamagedHeader) {
  std::vector<std::uint64_t> buf(1024);
  pm_freelist_t *fl = pm_freelist_create(buf.data(), buf.size() * 8, nullptr);
  ASSERT_NE(fl, nullptr);
  void *p = pm_freelist_malloc(fl, 40), *q = pm_freelist_malloc(fl, 40),
       *r = pm_freelist_malloc(fl, 40);
  ASSERT_TRUE(p && q && r);
  std::uint64_t garbage = 0x10;  // a size without the block's tag
  std::memcpy(static_cast<char *>(q) - 8, &garbage, sizeof garbage);
  Visits v;
  EXPECT_EQ(pm_freelist_walk(fl, record, &v), PM_ARENA_ECORRUPT);
  ASSERT_EQ(v.size(), 1u);  // the blocks before the damage were visited
  EXPECT_EQ(v[0].first, p);
}

TEST(ArenasWalk, FreeListRejectsNull) {
  std::vector<std::uint64_t> buf(512);
  pm_freelist_t *fl = pm_freelist_create(buf.data(), buf.size() * 8, nullptr);
  ASSERT_NE(fl, nullptr);
  expect_rejects_null(pm_freelist_walk, static_cast<const pm_freelist_t *>(fl));
}

// ---- pool ------------------------------------------------------------------------------------

void expect_pool_walk(const pm_pool_t *p, const std::vector<void *> &live) {
  std::map<void *, std::size_t> m;
  for (void *b : live) m[b] = pm_pool_block_size(p);
  ASSERT_EQ(walk_all(pm_pool_walk, p), sorted(m));
  EXPECT_EQ(pm_pool_num_allocated(p), live.size());
}

TEST(ArenasWalk, PoolVisitsAllocatedBlocksOnly) {
  pm_pool_t p;
  ASSERT_EQ(pm_pool_init(&p, 40, 100, nullptr), PM_ARENA_OK);
  EXPECT_TRUE(walk_all(pm_pool_walk, &p).empty());  // nothing handed out yet
  std::vector<void *> live;
  for (int i = 0; i < 100; i++) live.push_back(pm_pool_alloc(&p));
  ASSERT_EQ(pm_pool_alloc(&p), nullptr);
  expect_pool_walk(&p, live);
  std::mt19937 rng(7);
  std::shuffle(live.begin(), live.end(), rng);
  for (int i = 0; i < 60; i++) {
    ASSERT_EQ(pm_pool_dealloc(&p, live.back()), PM_ARENA_OK);
    live.pop_back();
  }
  expect_pool_walk(&p, live);
  for (int i = 0; i < 25; i++) live.push_back(pm_pool_alloc(&p));  // freed blocks come back
  expect_pool_walk(&p, live);
  expect_stops_early(pm_pool_walk, static_cast<const pm_pool_t *>(&p));
  for (void *b : live) ASSERT_EQ(pm_pool_dealloc(&p, b), PM_ARENA_OK);
  EXPECT_TRUE(walk_all(pm_pool_walk, &p).empty());
  pm_pool_destroy(&p);
}

TEST(ArenasWalk, PoolWalksEverySlabInAddressOrder) {
  pm_pool_options_t o = {0, 1, 0};
  pm_pool_t p;
  ASSERT_EQ(pm_pool_init(&p, 24, 4, &o), PM_ARENA_OK);
  std::vector<void *> live;
  for (int i = 0; i < 500; i++) live.push_back(pm_pool_alloc(&p));  // 4, 8, 16 ... blocks a slab
  ASSERT_GT(pm_pool_num_blocks(&p), 500u);
  expect_pool_walk(&p, live);
  std::mt19937 rng(11);
  std::shuffle(live.begin(), live.end(), rng);
  for (std::size_t i = 170; i < live.size(); i++)  // frees blocks of every slab
    ASSERT_EQ(pm_pool_dealloc(&p, live[i]), PM_ARENA_OK);
  live.resize(170);
  expect_pool_walk(&p, live);
  pm_pool_destroy(&p);
}

TEST(ArenasWalk, PoolWithoutSlabsAndNull) {
  pm_pool_options_t o = {0, 1, 0};
  pm_pool_t p;
  ASSERT_EQ(pm_pool_init(&p, 64, 0, &o), PM_ARENA_OK);  // a slab only on the first alloc
  EXPECT_TRUE(walk_all(pm_pool_walk, &p).empty());
  expect_rejects_null(pm_pool_walk, static_cast<const pm_pool_t *>(&p));
  pm_pool_destroy(&p);
}

// ---- bump arena ------------------------------------------------------------------------------

// The areas a bump walk must give for blocks packed at alignment 8 (sizes multiples of 8):
// each maximal run of adjacent blocks. A new region never continues the last one (a chunk
// starts with its header), and each region's first block is at its start.
Visits runs(const Visits &blocks) {
  Visits out;
  for (const Visit &b : blocks) {
    if (!out.empty() && static_cast<char *>(out.back().first) + out.back().second == b.first)
      out.back().second += b.second;
    else
      out.push_back(b);
  }
  return out;
}

std::size_t sum(const Visits &v) {
  std::size_t n = 0;
  for (const Visit &x : v) n += x.second;
  return n;
}

TEST(ArenasWalk, BumpOverABufferIsOneArea) {
  alignas(64) static unsigned char buf[4096];
  pm_bump_t b;
  ASSERT_EQ(pm_bump_init(&b, buf, sizeof buf, nullptr), PM_ARENA_OK);
  EXPECT_TRUE(walk_all(pm_bump_walk, &b).empty());
  ASSERT_EQ(pm_bump_alloc(&b, {10, 1}).ptr, static_cast<void *>(buf));
  ASSERT_NE(pm_bump_alloc(&b, {100, 16}).ptr, nullptr);
  pm_bump_mark_t m = pm_bump_mark(&b);
  void *last = pm_bump_alloc(&b, {64, 64}).ptr;
  ASSERT_NE(last, nullptr);
  std::size_t end = static_cast<std::size_t>(static_cast<unsigned char *>(last) + 64 - buf);
  EXPECT_EQ(walk_all(pm_bump_walk, &b), (Visits{{buf, end}}));  // padding included
  EXPECT_EQ(pm_bump_total_allocated(&b), end);
  ASSERT_EQ(pm_bump_dealloc(&b, last, 64), 1);
  EXPECT_EQ(walk_all(pm_bump_walk, &b),
            (Visits{{buf, static_cast<std::size_t>(static_cast<unsigned char *>(last) - buf)}}));
  ASSERT_NE(pm_bump_alloc(&b, {8, 8}).ptr, nullptr);
  ASSERT_EQ(pm_bump_rewind(&b, m), PM_ARENA_OK);
  EXPECT_EQ(walk_all(pm_bump_walk, &b), (Visits{{buf, 10 + 6 + 100}}));
  pm_bump_reset(&b);
  EXPECT_TRUE(walk_all(pm_bump_walk, &b).empty());
  pm_bump_destroy(&b);
}

TEST(ArenasWalk, BumpGrowthRewindAndResetGiveTheUsedRanges) {
  pm_bump_options_t o = {1, 4096, 16384, 0, nullptr};
  pm_bump_t b;
  ASSERT_EQ(pm_bump_init(&b, nullptr, 0, &o), PM_ARENA_OK);
  EXPECT_TRUE(walk_all(pm_bump_walk, &b).empty());  // no region taken yet

  std::mt19937 rng(5);
  auto alloc_some = [&](Visits &blocks, int n) {
    for (int i = 0; i < n; i++) {
      std::size_t size = 8 * (1 + rng() % 200);
      void *p = pm_bump_alloc(&b, {size, 8}).ptr;
      ASSERT_NE(p, nullptr);
      blocks.emplace_back(p, size);
    }
  };
  Visits blocks;
  alloc_some(blocks, 30);
  pm_bump_mark_t m = pm_bump_mark(&b);
  const std::size_t at_mark = blocks.size();
  alloc_some(blocks, 60);
  Visits areas = walk_all(pm_bump_walk, &b);
  ASSERT_GE(areas.size(), 3u);  // the first region and at least two chunks
  EXPECT_EQ(areas, runs(blocks));
  EXPECT_EQ(sum(areas), pm_bump_total_allocated(&b));
  expect_stops_early(pm_bump_walk, static_cast<const pm_bump_t *>(&b));

  // Back to the mark: the chunks above it are kept but hold nothing live.
  ASSERT_EQ(pm_bump_rewind(&b, m), PM_ARENA_OK);
  blocks.resize(at_mark);
  EXPECT_EQ(walk_all(pm_bump_walk, &b), runs(blocks));
  alloc_some(blocks, 40);  // through the kept chunks again
  areas = walk_all(pm_bump_walk, &b);
  EXPECT_EQ(areas, runs(blocks));
  EXPECT_EQ(sum(areas), pm_bump_total_allocated(&b));

  // Reset keeps a spare chunk; only what is used after it shows.
  pm_bump_reset(&b);
  EXPECT_TRUE(walk_all(pm_bump_walk, &b).empty());
  blocks.clear();
  alloc_some(blocks, 3);
  EXPECT_EQ(walk_all(pm_bump_walk, &b), runs(blocks));
  pm_bump_destroy(&b);
}

TEST(ArenasWalk, BumpRejectsNull) {
  pm_bump_t b;
  ASSERT_EQ(pm_bump_init(&b, nullptr, 256, nullptr), PM_ARENA_OK);
  expect_rejects_null(pm_bump_walk, static_cast<const pm_bump_t *>(&b));
  pm_bump_destroy(&b);
}

// ---- stack arena -----------------------------------------------------------------------------

TEST(ArenasWalk, StackVisitsLiveBlocksMostRecentFirst) {
  pm_stack_t s;
  ASSERT_EQ(pm_stack_init(&s, nullptr, 16 * 1024), PM_ARENA_OK);
  EXPECT_TRUE(walk_all(pm_stack_walk, &s).empty());
  std::mt19937 rng(3);
  Visits blocks;  // oldest first
  auto push = [&](int n) {
    for (int i = 0; i < n; i++) {
      std::size_t size = rng() % 200;  // zero-sized blocks are live blocks too
      std::size_t align = std::size_t{1} << (rng() % 7);
      pm_allocation_t a = pm_stack_alloc(&s, {size, align});
      ASSERT_NE(a.ptr, nullptr);
      blocks.emplace_back(a.ptr, size);
    }
  };
  auto expected = [&] { return Visits(blocks.rbegin(), blocks.rend()); };
  push(40);
  EXPECT_EQ(walk_all(pm_stack_walk, &s), expected());
  for (int i = 0; i < 15; i++) {
    ASSERT_EQ(pm_stack_pop(&s), PM_ARENA_OK);
    blocks.pop_back();
  }
  EXPECT_EQ(pm_stack_dealloc(&s, blocks.front().first), PM_ARENA_ENOTTOP);  // nothing freed
  EXPECT_EQ(walk_all(pm_stack_walk, &s), expected());
  ASSERT_EQ(pm_stack_dealloc(&s, blocks.back().first), PM_ARENA_OK);
  blocks.pop_back();
  push(10);
  EXPECT_EQ(walk_all(pm_stack_walk, &s), expected());
  EXPECT_EQ(pm_stack_count(&s), blocks.size());
  expect_stops_early(pm_stack_walk, static_cast<const pm_stack_t *>(&s));
  pm_stack_reset(&s);
  EXPECT_TRUE(walk_all(pm_stack_walk, &s).empty());
  blocks.clear();
  push(1);
  EXPECT_EQ(walk_all(pm_stack_walk, &s), expected());
  expect_rejects_null(pm_stack_walk, static_cast<const pm_stack_t *>(&s));
  pm_stack_destroy(&s);
}

// ---- no heap use -----------------------------------------------------------------------------

std::size_t heap_blocks() {
  pm_stats_t s;
  EXPECT_EQ(pm_stats(&s), 0);
  return s.pool_blocks + s.large_blocks + s.huge_blocks;
}

// Counts visits and, on the first, how many blocks the global heap holds (pm_stats never
// allocates, and neither does this visitor).
struct HeapProbe {
  std::size_t visits = 0;
  std::size_t blocks_during = 0;
};
int probe(void *, std::size_t, void *arg) {
  auto *h = static_cast<HeapProbe *>(arg);
  if (h->visits++ == 0) h->blocks_during = heap_blocks();
  return 0;
}

template <class A>
void expect_no_heap_use(CWalk<A> walk, const A *arena, std::size_t visits) {
  HeapProbe h;
  std::size_t before = heap_blocks();
  EXPECT_EQ(walk(arena, probe, &h), PM_ARENA_OK);
  EXPECT_EQ(h.visits, visits);
  EXPECT_EQ(h.blocks_during, before);
}

TEST(ArenasWalk, WalksTakeNoMemoryFromTheHeap) {
  pm_pool_t p;
  ASSERT_EQ(pm_pool_init(&p, 32, 5000, nullptr), PM_ARENA_OK);  // more blocks than a stack bitmap
  for (int i = 0; i < 4000; i++) ASSERT_NE(pm_pool_alloc(&p), nullptr);
  expect_no_heap_use(pm_pool_walk, static_cast<const pm_pool_t *>(&p), 4000);
  pm_pool_destroy(&p);

  pm_freelist_t *fl = pm_freelist_new(64 * 1024, nullptr);
  ASSERT_NE(fl, nullptr);
  for (int i = 0; i < 100; i++) ASSERT_NE(pm_freelist_malloc(fl, 100), nullptr);
  expect_no_heap_use(pm_freelist_walk, static_cast<const pm_freelist_t *>(fl), 100);
  pm_freelist_free(fl);

  pm_stack_t s;
  ASSERT_EQ(pm_stack_init(&s, nullptr, 4096), PM_ARENA_OK);
  for (int i = 0; i < 10; i++) ASSERT_NE(pm_stack_alloc(&s, {100, 8}).ptr, nullptr);
  expect_no_heap_use(pm_stack_walk, static_cast<const pm_stack_t *>(&s), 10);
  pm_stack_destroy(&s);

  pm_bump_t b;
  ASSERT_EQ(pm_bump_init(&b, nullptr, 1024, nullptr), PM_ARENA_OK);
  ASSERT_NE(pm_bump_alloc(&b, {100, 8}).ptr, nullptr);
  expect_no_heap_use(pm_bump_walk, static_cast<const pm_bump_t *>(&b), 1);
  pm_bump_destroy(&b);
}

// ---- C++ members -----------------------------------------------------------------------------

TEST(ArenasWalkCpp, CallablesReturningVoidBoolOrInt) {
  pm::FreeListArena a(16 * 1024);
  ASSERT_TRUE(a.valid());
  std::vector<void *> live;
  for (int i = 0; i < 10; i++) live.push_back(a.malloc(50 + 10 * i));
  ASSERT_TRUE(a.free(live[4]));
  live.erase(live.begin() + 4);

  std::map<void *, std::size_t> seen;
  EXPECT_EQ(a.walk([&](void *p, std::size_t n) { seen[p] = n; }), 0);
  EXPECT_EQ(seen, usable_sizes(a.handle(), live));

  int calls = 0;
  EXPECT_EQ(a.walk([&](void *, std::size_t) { return ++calls == 3; }), 1);  // true stops
  EXPECT_EQ(calls, 3);
  const pm::FreeListArena &ca = a;
  EXPECT_EQ(ca.walk([](void *p, std::size_t) { return p != nullptr ? 9 : 0; }), 9);

  EXPECT_EQ(pm::FreeListArena().walk([](void *, std::size_t) {}), PM_ARENA_EINVAL);
}

TEST(ArenasWalkCpp, AnExceptionStopsTheWalkAndPropagates) {
  pm::Pool p(16, 8);
  for (int i = 0; i < 5; i++) ASSERT_NE(p.alloc(), nullptr);
  int calls = 0;
  EXPECT_THROW(p.walk([&](void *, std::size_t) {
    if (++calls == 2) throw std::runtime_error("stop");
  }),
               std::runtime_error);
  EXPECT_EQ(calls, 2);
  calls = 0;
  EXPECT_EQ(p.walk([&](void *, std::size_t n) {
    EXPECT_EQ(n, 16u);
    calls++;
  }),
            0);  // the pool is unharmed
  EXPECT_EQ(calls, 5);
}

TEST(ArenasWalkCpp, EveryArenaHasAWalk) {
  pm::Pool pool(32, 16, pm::PoolOptions{.grow = true});
  std::vector<void *> blocks;
  for (int i = 0; i < 40; i++) blocks.push_back(pool.alloc());
  Visits pv;
  pool.walk([&](void *ptr, std::size_t n) { pv.emplace_back(ptr, n); });
  EXPECT_EQ(pv, walk_all(pm_pool_walk, static_cast<const pm_pool_t *>(pool.handle())));
  EXPECT_EQ(pv.size(), 40u);

  pm::StackArena stack(4096);
  void *x = stack.alloc({24, 8}).ptr, *y = stack.alloc({40, 16}).ptr;
  ASSERT_TRUE(x && y);
  Visits sv;
  stack.walk([&](void *ptr, std::size_t n) { sv.emplace_back(ptr, n); });
  EXPECT_EQ(sv, (Visits{{y, 40}, {x, 24}}));

  pm::BumpArena bump(pm::BumpGrowth{.chunk_size = 4096});
  for (int i = 0; i < 20; i++) ASSERT_TRUE(bump.alloc({1000, 8}));
  std::size_t total = 0, areas = 0;
  bump.walk([&](void *, std::size_t n) {
    total += n;
    areas++;
  });
  EXPECT_EQ(total, bump.total_allocated());
  EXPECT_GE(areas, 2u);

  // A scratch scope is a bump arena: its newest block ends the last area.
  auto tmp = pm::scratch();
  ASSERT_TRUE(tmp);
  auto *t = static_cast<char *>(tmp.alloc({100, 16}).ptr);
  ASSERT_NE(t, nullptr);
  Visit last{nullptr, 0};
  tmp.walk([&](void *ptr, std::size_t n) { last = {ptr, n}; });
  EXPECT_EQ(static_cast<char *>(last.first) + last.second, t + 100);
  EXPECT_LE(static_cast<char *>(last.first), t);
}

}  // namespace
