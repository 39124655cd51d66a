// Impossible sizes through every pm_ entry point: NULL / ENOMEM, never a wrapped size.
#include "global_check_limits.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(GlobalLimits, ImpossibleSizesFail) { check_limits_in_process<PmHeap>(); }

TEST(GlobalLimits, MaxAllocSizeIsBelowPtrdiffMax) {
  EXPECT_LE(PM_MAX_ALLOC_SIZE, size_t{PTRDIFF_MAX});
  errno = 0;
  EXPECT_EQ(pm_malloc(opaque(PM_MAX_ALLOC_SIZE + 1)), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

class GlobalLimitsDeathTest : public DeathTestBase {};

TEST_F(GlobalLimitsDeathTest, ImpossibleSizesFailUnderAddressSpaceCap) {
  PM_SKIP_IN_SANITIZER_BUILD("the sanitizer runtime needs address space beyond the cap");
  PM_EXPECT_CHILD_PASSES(limits_child<PmHeap>());
}
