// pm::ArenaAllocator and pm::ArenaResource: standard containers on every arena.
#include <gtest/gtest.h>

#include <map>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <vector>

#include "poolmalloc.hpp"

namespace {

template <class T, class A>
using Vec = std::vector<T, pm::ArenaAllocator<T, A>>;

TEST(ArenasAdapters, TraitsAreStated) {
  using Al = pm::ArenaAllocator<int, pm::BumpArena>;
  using Tr = std::allocator_traits<Al>;
  static_assert(!Tr::propagate_on_container_copy_assignment::value);
  static_assert(!Tr::propagate_on_container_move_assignment::value);
  static_assert(!Tr::propagate_on_container_swap::value);
  static_assert(!Tr::is_always_equal::value);
  static_assert(std::is_same_v<Tr::rebind_alloc<double>, pm::ArenaAllocator<double, pm::BumpArena>>);
  pm::BumpArena a(1024), b(1024);
  EXPECT_TRUE(Al(a) == Al(a));
  EXPECT_FALSE(Al(a) == Al(b));
  EXPECT_TRUE((Al(a) == pm::ArenaAllocator<double, pm::BumpArena>(a)));
}

TEST(ArenasAdapters, VectorOnBumpAndExhaustionThrows) {
  pm::BumpArena arena(4096);
  Vec<int, pm::BumpArena> v{pm::ArenaAllocator<int, pm::BumpArena>(arena)};
  for (int i = 0; i < 200; i++) v.push_back(i);
  EXPECT_EQ(v[199], 199);
  EXPECT_GT(arena.total_allocated(), 0u);
  EXPECT_THROW(v.resize(100000), std::bad_alloc);
  EXPECT_EQ(v.size(), 200u);  // strong guarantee: the vector is intact
}

TEST(ArenasAdapters, MapAndStringOnFreeList) {
  pm::FreeListArena arena(1 << 16);
  using Str = std::basic_string<char, std::char_traits<char>, pm::ArenaAllocator<char, pm::FreeListArena>>;
  using Al = pm::ArenaAllocator<std::pair<const int, Str>, pm::FreeListArena>;
  {
    std::map<int, Str, std::less<int>, Al> m{Al(arena)};
    for (int i = 0; i < 50; i++)
      m.emplace(i, Str("a string long enough to leave the small buffer #" + std::to_string(i),
                       pm::ArenaAllocator<char, pm::FreeListArena>(arena)));
    EXPECT_TRUE(m.at(42).ends_with("#42"));
    EXPECT_GT(arena.stats().used_count, 50u);
  }
  EXPECT_EQ(arena.stats().used_count, 0u);  // everything was freed back to the arena
}

TEST(ArenasAdapters, MapOnPool) {
  pm::Pool pool(64, 100);
  using Al = pm::ArenaAllocator<std::pair<const int, int>, pm::Pool>;
  {
    std::map<int, int, std::less<int>, Al> m{Al(pool)};
    for (int i = 0; i < 100; i++) m[i] = i * 2;  // one node per block
    EXPECT_EQ(pool.num_free_blocks(), 0u);
    EXPECT_THROW(m[1000] = 1, std::bad_alloc);
    EXPECT_EQ(m.size(), 100u);
  }
  EXPECT_EQ(pool.num_allocated(), 0u);
}

TEST(ArenasAdapters, UnorderedMapOnStack) {
  pm::StackArena stack(1 << 16);
  using Al = pm::ArenaAllocator<std::pair<const int, int>, pm::StackArena>;
  std::unordered_map<int, int, std::hash<int>, std::equal_to<int>, Al> m{Al(stack)};
  m.reserve(64);
  for (int i = 0; i < 64; i++) m[i] = -i;
  EXPECT_EQ(m.at(63), -63);
}

TEST(ArenasAdapters, PmrResourcesForEveryArena) {
  pm::BumpArena bump;
  pm::BumpResource r1(bump);
  std::pmr::vector<std::pmr::string> v(&r1);
  for (int i = 0; i < 100; i++) v.emplace_back("pmr strings on a growing bump arena, number " + std::to_string(i));
  EXPECT_EQ(v[7].back(), '7');
  EXPECT_GT(bump.total_allocated(), 100u * 40);

  pm::FreeListArena fl(1 << 16);
  pm::FreeListResource r2(fl);
  {
    std::pmr::unordered_map<int, std::pmr::string> um(&r2);
    for (int i = 0; i < 100; i++) um.emplace(i, "x");
    EXPECT_EQ(um.size(), 100u);
  }
  EXPECT_EQ(fl.stats().used_count, 0u);

  pm::Pool pool(64, 10);
  pm::PoolResource r3(pool);
  {
    std::pmr::map<int, int> m(&r3);
    for (int i = 0; i < 10; i++) m[i] = i;
    EXPECT_EQ(pool.num_free_blocks(), 0u);
    m[11] = 0;  // the pool is full: the node comes from upstream
    EXPECT_EQ(m.size(), 11u);
  }
  EXPECT_EQ(pool.num_allocated(), 0u);

  pm::StackArena stack(4096);
  pm::StackResource r4(stack);
  std::pmr::vector<int> sv(&r4);
  sv.reserve(10);
  sv.push_back(1);
  EXPECT_EQ(stack.count(), 1u);

  auto s = pm::scratch();
  pm::ScratchResource r5(s);
  std::pmr::string str("scratch string long enough to need the heap........", &r5);
  EXPECT_EQ(str.size(), 51u);
  EXPECT_TRUE(r5.is_equal(r5));
  EXPECT_FALSE(r5.is_equal(r4));
  EXPECT_THROW((void)r4.allocate(1 << 20), std::bad_alloc);
}

}  // namespace
