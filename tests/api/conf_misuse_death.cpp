// free / realloc of foreign and stale pointers through the exported symbols: reported and
// aborted by default, reported and ignored with abort_on_misuse=0 (README "Errors";
// tests/unit/conf_check_misuse.hpp).
#include <cstdlib>

#include "../unit/conf_check_misuse.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

class ConfApiMisuseDeathTest : public DeathTestBase {};

TEST_F(ConfApiMisuseDeathTest, FreeMmappedAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_mmapped<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, FreeSegmentAlignedForeignMapping) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_mmapped_segment_aligned<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, ReallocMmappedAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_realloc_mmapped<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, FreeInsideLargeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_inside_large<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, FreeInsideHugeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_inside_huge<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, FreeUnmappedHugeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_unmapped_huge<LibcHeap>());
}
TEST_F(ConfApiMisuseDeathTest, DoubleFreeHuge) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free_huge<LibcHeap>());
}

// The option is read when the (re-executed) child starts; the parent's heap started long
// before and keeps aborting on misuse.
TEST_F(ConfApiMisuseDeathTest, WarnModeReportsAndContinues) {
  ASSERT_EQ(setenv("POOLMALLOC_OPTIONS", "abort_on_misuse=0", 1), 0);
  EXPECT_EXIT(misuse_warn_mode_continues<LibcHeap>(), ::testing::ExitedWithCode(0),
              misuse_regex() + ".*child ok");
  unsetenv("POOLMALLOC_OPTIONS");
}
