// Impossible sizes through every exported entry point: NULL / ENOMEM, never a wrapped size.
#include "../unit/global_check_limits.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiLimits, ImpossibleSizesFail) { check_limits_in_process<LibcHeap>(); }

class ApiLimitsDeathTest : public DeathTestBase {};

TEST_F(ApiLimitsDeathTest, ImpossibleSizesFailUnderAddressSpaceCap) {
  PM_EXPECT_CHILD_PASSES(limits_child<LibcHeap>());
}
