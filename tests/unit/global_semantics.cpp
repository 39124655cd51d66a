// The README's behaviour table (glibc's semantics) through the pm_ API (the exported symbols: tests/api).
#include "global_check_semantics.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(GlobalSemantics, MallocZeroIsUniqueAndFreeable) { check_malloc_zero<PmHeap>(); }
TEST(GlobalSemantics, FreeNullIsNoop) { check_free_null<PmHeap>(); }
TEST(GlobalSemantics, FreeKeepsErrno) { check_free_keeps_errno<PmHeap>(); }
TEST(GlobalSemantics, CallocZeroesAndRejectsOverflow) { check_calloc<PmHeap>(); }
TEST(GlobalSemantics, ReallocNullIsMalloc) { check_realloc_null<PmHeap>(); }
TEST(GlobalSemantics, ReallocZeroFreesAndReturnsNull) { check_realloc_zero<PmHeap>(); }
TEST(GlobalSemantics, ReallocFailureKeepsBlock) { check_realloc_failure<PmHeap>(); }
TEST(GlobalSemantics, ReallocarrayChecksOverflow) { check_reallocarray<PmHeap>(); }
TEST(GlobalSemantics, PosixMemalignErrors) { check_posix_memalign<PmHeap>(); }
TEST(GlobalSemantics, AlignedAllocAndMemalign) { check_aligned_alloc_memalign<PmHeap>(); }
TEST(GlobalSemantics, VallocAndPvalloc) { check_valloc_pvalloc<PmHeap>(); }
TEST(GlobalSemantics, UsableSizeIsWritable) { check_usable_size<PmHeap>(); }
TEST(GlobalSemantics, FreeSizedAndAlignedSized) { check_free_sized<PmHeap>(); }
TEST(GlobalSemantics, TrimReturnsZeroOrOne) { check_trim<PmHeap>(); }

// pm_owns: 1 for the start of a block from any entry point, 0 for anything else.
TEST(GlobalSemantics, OwnsOnlyItsBlocks) {
  for (size_t n : {size_t{0}, kSmall, kLarge, kHuge}) {
    void* p = pm_malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(pm_owns(p), 1) << n;
    pm_free(p);
  }
  void* q = pm_aligned_alloc(4096, 100);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(pm_owns(q), 1);
  pm_free(q);
  static char in_data[64];
  char on_stack[64] = {};
  EXPECT_EQ(pm_owns(nullptr), 0);
  EXPECT_EQ(pm_owns(in_data), 0);
  EXPECT_EQ(pm_owns(opaque(on_stack)), 0);
}

TEST(GlobalSemantics, CollectKeepsLiveBlocks) {
  void* p = pm_malloc(300);
  ASSERT_NE(p, nullptr);
  fill_pattern(p, 0, 300);
  for (int i = 0; i < 100; ++i) pm_free(pm_malloc(300));
  pm_collect(0);
  pm_collect(1);
  EXPECT_EQ(first_pattern_mismatch(p, 300), npos);
  EXPECT_EQ(pm_owns(p), 1);
  pm_free(p);
}
