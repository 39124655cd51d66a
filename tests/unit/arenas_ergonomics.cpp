// The typed helpers every arena has (create/destroy, alloc_array, malloc_as, alloc_copy,
// alloc_str), ScratchScope as a BumpRef, copy_onto per arena and the smaller C additions.
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "poolmalloc.hpp"

namespace {

struct Counted {
  static inline int live = 0;
  int v;
  explicit Counted(int x) : v(x) { live++; }
  ~Counted() { live--; }
};

struct Throws {
  explicit Throws(bool t) {
    if (t) throw std::runtime_error("ctor");
  }
};

template <class A>
void typed_helpers(A &a) {
  Counted::live = 0;
  Counted *c = a.template create<Counted>(7);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->v, 7);
  EXPECT_EQ(Counted::live, 1);
  EXPECT_TRUE(a.destroy(c));
  EXPECT_EQ(Counted::live, 0);
  EXPECT_THROW(a.template create<Throws>(true), std::runtime_error);

  std::span<std::uint32_t> s = a.template malloc_as<std::uint32_t>(4);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.data()) % alignof(std::uint32_t), 0u);
  std::uint64_t *arr = a.template alloc_array<std::uint64_t>(2);
  ASSERT_NE(arr, nullptr);
  arr[0] = arr[1] = 1;

  std::array<std::uint16_t, 3> src{1, 2, 3};
  std::span<std::uint16_t> copy = a.alloc_copy(src);
  ASSERT_EQ(copy.size(), 3u);
  EXPECT_NE(copy.data(), src.data());
  EXPECT_EQ(copy[2], 3u);
  std::string_view str = a.alloc_str("hello");
  EXPECT_EQ(str, "hello");
  EXPECT_EQ(str.data()[5], '\0');
}

TEST(ArenasErgonomics, TypedHelpersOnEveryArena) {
  pm::BumpArena bump;
  typed_helpers(bump);
  pm::StackArena stack(4096);
  typed_helpers(stack);
  pm::FreeListArena fl(1 << 16);
  typed_helpers(fl);
  pm::Pool pool(32, 64);
  typed_helpers(pool);
  auto scratch = pm::scratch();
  typed_helpers(scratch);
}

TEST(ArenasErgonomics, DestroyRefusesBlocksTheArenaDoesNotHold) {
  Counted::live = 0;
  pm::Pool pool(32, 4);
  Counted outside(1);
  EXPECT_FALSE(pool.destroy(&outside));  // not a pool block: no destructor runs
  EXPECT_EQ(Counted::live, 1);
  pm::StackArena stack(1024);
  Counted *a = stack.create<Counted>(1);
  Counted *b = stack.create<Counted>(2);
  EXPECT_FALSE(stack.destroy(a));  // not the top block
  EXPECT_TRUE(stack.destroy(b));
  EXPECT_TRUE(stack.destroy(a));
  EXPECT_EQ(stack.count(), 0u);
  pm::FreeListArena fl(1 << 14);
  Counted *c = fl.create<Counted>(3);
  EXPECT_TRUE(fl.destroy(c));
  EXPECT_FALSE(fl.destroy(c));  // already freed
  EXPECT_EQ(Counted::live, 1);
}

TEST(ArenasErgonomics, AllocCopyOfAVectorAndAnEmptyRange) {
  pm::BumpArena a;
  std::vector<int> v{4, 5, 6};
  std::span<int> c = a.alloc_copy(v);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], 4);
  std::vector<int> none;
  std::span<int> e = a.alloc_copy(none);
  EXPECT_EQ(e.size(), 0u);
  EXPECT_EQ(a.alloc_str(std::string(100, 'x')).size(), 100u);
}

void takes_ref(pm::BumpRef r, void **out) { *out = r.alloc({16, 8}).ptr; }

TEST(ArenasErgonomics, ScratchScopeIsABumpRef) {
  auto s = pm::scratch();
  void *p = nullptr;
  takes_ref(s, &p);
  EXPECT_NE(p, nullptr);
  pm::BumpRef r = s;
  EXPECT_EQ(r.handle(), s.handle());
}

TEST(ArenasErgonomics, CopyOntoWithinEachArena) {
  pm::FreeListArena fl(1 << 14);
  char *a = static_cast<char *>(fl.malloc(40));
  char *b = static_cast<char *>(fl.malloc(40));
  std::memcpy(a, "0123456789", 10);
  fl.copy_onto(a, 2, b, 0, 4);
  EXPECT_EQ(std::memcmp(b, "2345", 4), 0);
  EXPECT_THROW(fl.copy_onto(a, 0, b, fl.usable_size(b), 1), std::out_of_range);
  EXPECT_TRUE(fl.free(b));
  EXPECT_THROW(fl.copy_onto(a, 0, b, 0, 1), std::invalid_argument);  // freed
  int local = 0;
  EXPECT_EQ(pm_freelist_copy_onto(fl.handle(), a, 0, &local, 0, 1), PM_ARENA_ENOTOWNED);

  pm::Pool pool(24, 8);
  char *p = static_cast<char *>(pool.alloc());
  char *q = static_cast<char *>(pool.alloc());
  std::memset(p, 'p', 24);
  pool.copy_onto(p, 0, q, 0, 24);
  EXPECT_EQ(q[23], 'p');
  EXPECT_THROW(pool.copy_onto(p, 1, q, 0, 24), std::out_of_range);
  EXPECT_TRUE(pool.dealloc(q));
  EXPECT_EQ(pm_pool_copy_onto(pool.handle(), p, 0, q, 0, 1), PM_ARENA_ENOTOWNED);

  pm::StackArena st(1024);
  char *x = static_cast<char *>(st.alloc({10, 8}).ptr);
  char *y = static_cast<char *>(st.alloc({20, 8}).ptr);
  std::memset(x, 'x', 10);
  st.copy_onto(x, 0, y, 10, 10);
  EXPECT_EQ(y[19], 'x');
  EXPECT_EQ(pm_stack_block_size(st.handle(), x), 10u);
  EXPECT_EQ(pm_stack_block_size(st.handle(), y), 20u);
  EXPECT_EQ(pm_stack_block_size(st.handle(), y + 1), 0u);
  EXPECT_THROW(st.copy_onto(x, 0, y, 11, 10), std::out_of_range);
  EXPECT_TRUE(st.pop());
  EXPECT_EQ(pm_stack_copy_onto(st.handle(), x, 0, y, 0, 1), PM_ARENA_ENOTOWNED);  // popped
}

TEST(ArenasErgonomics, StackZeroedAllocation) {
  pm::StackArena s(1024);
  auto *p = static_cast<unsigned char *>(s.alloc({64, 8}).ptr);
  std::memset(p, 0xff, 64);
  EXPECT_TRUE(s.pop());
  auto *z = static_cast<unsigned char *>(s.alloc_zeroed({64, 8}).ptr);
  ASSERT_NE(z, nullptr);
  for (int i = 0; i < 64; i++) ASSERT_EQ(z[i], 0);
  EXPECT_TRUE(s.pop());
  std::memset(s.alloc({64, 8}).ptr, 0xff, 64);
  EXPECT_TRUE(s.pop());
  pm_allocation_t c = pm_stack_alloc_zeroed(s.handle(), pm_layout_t{64, 8});
  ASSERT_NE(c.ptr, nullptr);
  for (int i = 0; i < 64; i++) ASSERT_EQ(static_cast<unsigned char *>(c.ptr)[i], 0);
}

TEST(ArenasErgonomics, FreeListCreateSaysWhy) {
  alignas(16) static unsigned char buf[4096];
  int err = -1;
  EXPECT_EQ(pm_freelist_create_ex(buf + 1, 2048, nullptr, &err), nullptr);
  EXPECT_EQ(err, PM_ARENA_EALIGN);
  EXPECT_EQ(pm_freelist_create_ex(buf, 256, nullptr, &err), nullptr);
  EXPECT_EQ(err, PM_ARENA_ETOOSMALL);
  pm_freelist_options_t bad = {12, 1, 1, 0, 1};
  EXPECT_EQ(pm_freelist_create_ex(buf, sizeof buf, &bad, &err), nullptr);
  EXPECT_EQ(err, PM_ARENA_EINVAL);
  errno = 0;
  EXPECT_EQ(pm_freelist_create(buf, 256, nullptr), nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_NE(pm_freelist_create_ex(buf, sizeof buf, nullptr, &err), nullptr);
  EXPECT_EQ(err, PM_ARENA_OK);
  EXPECT_STREQ(pm_arena_strerror(PM_ARENA_EALIGN), "buffer not 8-byte aligned");
  EXPECT_STREQ(pm_arena_strerror(PM_ARENA_ETOOSMALL), "buffer too small for the arena");
}

TEST(ArenasErgonomics, FreeListRemainingAndTotalAllocated) {
  pm::FreeListArena a(1 << 14);
  std::size_t r0 = a.remaining();
  EXPECT_EQ(r0, a.stats().available);
  EXPECT_EQ(a.total_allocated(), 0u);
  void *p = a.malloc(100);
  EXPECT_EQ(a.total_allocated(), a.stats().used_bytes);
  EXPECT_GE(a.total_allocated(), 100u);
  EXPECT_EQ(a.remaining(), r0 - a.total_allocated());
  EXPECT_TRUE(a.free(p));
  EXPECT_EQ(a.total_allocated(), 0u);
  EXPECT_EQ(a.remaining(), r0);
}

}  // namespace
