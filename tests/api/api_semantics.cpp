// The README's behaviour table (glibc's semantics) through the exported symbols (the pm_ API: tests/unit).
#include "../unit/global_check_semantics.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiSemantics, MallocZeroIsUniqueAndFreeable) { check_malloc_zero<LibcHeap>(); }
TEST(ApiSemantics, FreeNullIsNoop) { check_free_null<LibcHeap>(); }
TEST(ApiSemantics, FreeKeepsErrno) { check_free_keeps_errno<LibcHeap>(); }
TEST(ApiSemantics, CallocZeroesAndRejectsOverflow) { check_calloc<LibcHeap>(); }
TEST(ApiSemantics, ReallocNullIsMalloc) { check_realloc_null<LibcHeap>(); }
TEST(ApiSemantics, ReallocZeroFreesAndReturnsNull) { check_realloc_zero<LibcHeap>(); }
TEST(ApiSemantics, ReallocFailureKeepsBlock) { check_realloc_failure<LibcHeap>(); }
TEST(ApiSemantics, ReallocarrayChecksOverflow) { check_reallocarray<LibcHeap>(); }
TEST(ApiSemantics, PosixMemalignErrors) { check_posix_memalign<LibcHeap>(); }
TEST(ApiSemantics, AlignedAllocAndMemalign) { check_aligned_alloc_memalign<LibcHeap>(); }
TEST(ApiSemantics, VallocAndPvalloc) { check_valloc_pvalloc<LibcHeap>(); }
TEST(ApiSemantics, UsableSizeIsWritable) { check_usable_size<LibcHeap>(); }
TEST(ApiSemantics, FreeSizedAndAlignedSized) { check_free_sized<LibcHeap>(); }

// mallopt accepts glibc's tuning parameters (and ignores them): it returns 1.
TEST(ApiSemantics, MalloptReturnsOne) {
  EXPECT_EQ(mallopt(M_TRIM_THRESHOLD, 256 * 1024), 1);
  EXPECT_EQ(mallopt(M_TOP_PAD, 64 * 1024), 1);
  EXPECT_EQ(mallopt(M_MMAP_THRESHOLD, 1024 * 1024), 1);
  EXPECT_EQ(mallopt(M_MMAP_MAX, 65536), 1);
  EXPECT_EQ(mallopt(M_ARENA_MAX, 4), 1);
  EXPECT_EQ(mallopt(M_PERTURB, 0), 1);
  void* p = malloc(100);  // and the heap still works
  ASSERT_NE(p, nullptr);
  free(p);
}
