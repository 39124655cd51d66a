// pm::Layout, pm::Allocation, the global sized/aligned entry points and copy_onto.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "poolmalloc.hpp"

namespace {

bool aligned(const void *p, std::size_t a) { return (reinterpret_cast<std::uintptr_t>(p) & (a - 1)) == 0; }

struct S3 {
  std::int64_t a;
  std::int32_t b;
  std::int32_t c;
};
struct S4 {
  char a;
  double b;
  char c;
};

TEST(ArenasLayout, OfAndFromSizeAlign) {
  constexpr pm::Layout l = pm::Layout::of<double>();
  static_assert(l.size == sizeof(double) && l.align == alignof(double));
  EXPECT_EQ(pm::Layout::from_size_align(24, 8), (pm::Layout{24, 8}));
  EXPECT_FALSE(pm::Layout::from_size_align(24, 0));
  EXPECT_FALSE(pm::Layout::from_size_align(24, 12));
  EXPECT_FALSE(pm::Layout::from_size_align(pm::max_alloc_size, 64));  // rounding overflows
  EXPECT_TRUE(pm::Layout::from_size_align(pm::max_alloc_size, 1));
}

TEST(ArenasLayout, ArrayPadsEachElementAndDetectsOverflow) {
  EXPECT_EQ(pm::Layout::array(8, 8, 10), (pm::Layout{80, 8}));
  EXPECT_EQ(pm::Layout::array(12, 8, 3), (pm::Layout{48, 8}));  // stride 16
  EXPECT_EQ(pm::Layout::array(4, 4, 0), (pm::Layout{0, 4}));
  EXPECT_FALSE(pm::Layout::array(16, 16, SIZE_MAX / 8));
  EXPECT_FALSE(pm::Layout::array(8, 3, 2));
  EXPECT_EQ(pm::Layout::array_of<std::uint16_t>(5), (pm::Layout{10, 2}));
}

TEST(ArenasLayout, ExtendMatchesStructLayout) {
  auto e1 = pm::Layout::extend(pm::Layout::of<std::int64_t>(), pm::Layout::of<std::int32_t>());
  ASSERT_TRUE(e1);
  EXPECT_EQ(e1->offset, offsetof(S3, b));
  auto e2 = pm::Layout::extend(e1->layout, pm::Layout::of<std::int32_t>());
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->offset, offsetof(S3, c));
  EXPECT_EQ(e2->layout.pad_to_align()->size, sizeof(S3));

  auto f1 = pm::Layout::extend(pm::Layout::of<char>(), pm::Layout::of<double>());
  auto f2 = pm::Layout::extend(f1->layout, pm::Layout::of<char>());
  EXPECT_EQ(f1->offset, offsetof(S4, b));
  EXPECT_EQ(f2->offset, offsetof(S4, c));
  EXPECT_EQ(f2->layout.size, offsetof(S4, c) + 1);  // no trailing padding yet
  EXPECT_EQ(*f2->layout.pad_to_align(), pm::Layout::of<S4>());

  EXPECT_FALSE(pm::Layout::extend({8, 8}, {pm::max_alloc_size, 1}));
  EXPECT_FALSE(pm::Layout::extend({8, 3}, {8, 8}));
}

TEST(ArenasLayout, CFormsAgreeWithCpp) {
  pm_layout_t out;
  size_t off = 0;
  ASSERT_EQ(pm_layout_from_size_align(10, 4, &out), PM_ARENA_OK);
  EXPECT_EQ(out.size, 10u);
  EXPECT_EQ(pm_layout_from_size_align(10, 6, &out), PM_ARENA_EINVAL);
  EXPECT_EQ(pm_layout_from_size_align(10, 4, nullptr), PM_ARENA_EINVAL);
  ASSERT_EQ(pm_layout_array(12, 8, 3, &out), PM_ARENA_OK);
  EXPECT_EQ(out.size, 48u);
  EXPECT_EQ(pm_layout_array(16, 16, SIZE_MAX / 8, &out), PM_ARENA_EINVAL);
  ASSERT_EQ(pm_layout_extend({1, 1}, {8, 8}, &out, &off), PM_ARENA_OK);
  EXPECT_EQ(off, 8u);
  EXPECT_EQ(out.size, 16u);
  EXPECT_EQ(out.align, 8u);
  EXPECT_EQ(pm_layout_extend({8, 8}, {SIZE_MAX - 4, 1}, &out, &off), PM_ARENA_EINVAL);
  ASSERT_EQ(pm_layout_pad_to_align({17, 8}, &out), PM_ARENA_OK);
  EXPECT_EQ(out.size, 24u);
  EXPECT_EQ(pm_layout_pad_to_align({17, 5}, &out), PM_ARENA_EINVAL);
}

TEST(ArenasGlobal, AllocHonoursAlignmentAndReportsUsableSize) {
  for (std::size_t align : {1u, 8u, 16u, 64u, 4096u}) {
    pm::Layout l{100, align};
    pm::Allocation a = pm::alloc(l);
    ASSERT_TRUE(a) << align;
    EXPECT_TRUE(aligned(a.ptr, align));
    EXPECT_GE(a.size, 100u);
    EXPECT_EQ(a.size, pm_usable_size(a.ptr));
    std::memset(a.ptr, 0xab, a.size);  // all of it is usable
    pm::dealloc(a.ptr, l);
  }
}

TEST(ArenasGlobal, AllocZeroedAndFailures) {
  pm::Allocation z = pm::alloc_zeroed(pm::Layout{4000, 256});
  ASSERT_TRUE(z);
  EXPECT_TRUE(aligned(z.ptr, 256));
  for (std::size_t i = 0; i < z.size; i++) ASSERT_EQ(static_cast<char *>(z.ptr)[i], 0);
  pm::dealloc(z.ptr, pm::Layout{4000, 256});
  pm::Allocation small = pm::alloc_zeroed(pm::Layout{24, 8});
  ASSERT_TRUE(small);
  for (std::size_t i = 0; i < small.size; i++)
    ASSERT_EQ(static_cast<char *>(small.ptr)[i], 0) << "byte " << i << " of " << small.size;
  pm::dealloc(small.ptr, pm::Layout{24, 8});

  EXPECT_FALSE(pm::alloc(pm::Layout{16, 3}));                      // bad alignment
  EXPECT_FALSE(pm::alloc(pm::Layout{pm::max_alloc_size + 1, 8}));  // too big
  pm::Allocation zero = pm::alloc(pm::Layout{0, 8});
  EXPECT_TRUE(zero);  // a unique block even for 0 bytes
  pm::dealloc(zero.ptr, pm::Layout{0, 8});
}

TEST(ArenasGlobal, ReallocKeepsContentsAndAlignment) {
  pm::Layout l1{64, 64};
  pm::Allocation a = pm::alloc(l1);
  ASSERT_TRUE(a);
  for (int i = 0; i < 64; i++) static_cast<unsigned char *>(a.ptr)[i] = static_cast<unsigned char>(i);
  pm::Layout l2{10000, 128};
  pm::Allocation b = pm::realloc(a.ptr, l1, l2);
  ASSERT_TRUE(b);
  EXPECT_TRUE(aligned(b.ptr, 128));
  EXPECT_EQ(b.size, pm_usable_size(b.ptr));
  for (int i = 0; i < 64; i++) ASSERT_EQ(static_cast<unsigned char *>(b.ptr)[i], i);
  pm::Allocation c = pm::realloc(b.ptr, l2, pm::Layout{32, 8});
  ASSERT_TRUE(c);
  for (int i = 0; i < 32; i++) ASSERT_EQ(static_cast<unsigned char *>(c.ptr)[i], i);
  // Failure keeps the old block.
  pm::Allocation d = pm::realloc(c.ptr, pm::Layout{32, 8}, pm::Layout{pm::max_alloc_size + 1, 8});
  EXPECT_FALSE(d);
  EXPECT_EQ(static_cast<unsigned char *>(c.ptr)[31], 31);
  pm::Allocation e = pm::realloc(nullptr, pm::Layout{}, pm::Layout{8, 8});  // null: allocates
  ASSERT_TRUE(e);
  pm::dealloc(e.ptr, pm::Layout{8, 8});
  pm::dealloc(c.ptr, pm::Layout{32, 8});
}

TEST(ArenasCopyOnto, CopiesLikeSmalloc) {
  auto *a = static_cast<unsigned char *>(pm_malloc(4));
  auto *b = static_cast<unsigned char *>(pm_malloc(4));
  ASSERT_TRUE(a && b);
  for (int i = 0; i < 4; i++) {
    a[i] = static_cast<unsigned char>(i);
    b[i] = static_cast<unsigned char>(i * 2);
  }
  pm::copy_onto(b, 2, a, 0, 2);
  EXPECT_EQ(a[0], 4);
  EXPECT_EQ(a[1], 6);
  EXPECT_EQ(a[2], 2);
  EXPECT_EQ(a[3], 3);
  pm::copy_onto(a, 0, a, 1, 2);  // overlapping, same block
  EXPECT_EQ(a[1], 4);
  EXPECT_EQ(a[2], 6);
  pm_free(a);
  pm_free(b);
}

TEST(ArenasCopyOnto, ChecksAgainstUsableSize) {
  auto *a = static_cast<char *>(pm_malloc(100));
  auto *b = static_cast<char *>(pm_malloc(100));
  ASSERT_TRUE(a && b);
  std::size_t ua = pm_usable_size(a), ub = pm_usable_size(b);
  EXPECT_NO_THROW(pm::copy_onto(a, 0, b, ub - ua < ub ? 0 : 0, ua < ub ? ua : ub));
  EXPECT_THROW(pm::copy_onto(a, ua, b, 0, 1), std::out_of_range);
  EXPECT_THROW(pm::copy_onto(a, 0, b, ub - 1, 2), std::out_of_range);
  EXPECT_THROW(pm::copy_onto(a, SIZE_MAX, b, 0, 2), std::out_of_range);  // overflow
  EXPECT_THROW(pm::copy_onto(a, 0, b, 0, SIZE_MAX), std::out_of_range);
  EXPECT_THROW(pm::copy_onto(nullptr, 0, b, 0, 1), std::invalid_argument);
  EXPECT_EQ(pm_copy_onto(a, 0, nullptr, 0, 1), PM_ARENA_ENOTOWNED);
  EXPECT_EQ(pm_copy_onto(a, 0, b, 200, 0), ub >= 200 ? PM_ARENA_OK : PM_ARENA_ERANGE);
  EXPECT_EQ(pm_copy_onto(a, 10, b, 20, 30), PM_ARENA_OK);
  pm_free(a);
  pm_free(b);
}

TEST(ArenasCopyOnto, MaxAllocSizeIsTheHeapLimit) {
  static_assert(pm::max_alloc_size == PM_MAX_ALLOC_SIZE);
  EXPECT_EQ(pm_malloc(pm::max_alloc_size + 1), nullptr);
  EXPECT_LT(pm::max_alloc_size, static_cast<std::size_t>(PTRDIFF_MAX) + 1);
}

TEST(ArenasErrors, StrerrorNamesEveryCode) {
  for (int c = PM_ARENA_OK; c <= PM_ARENA_ECORRUPT; c++)
    EXPECT_STRNE(pm_arena_strerror(c), pm_arena_strerror(-1)) << c;
}

}  // namespace
