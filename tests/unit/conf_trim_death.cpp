// pm_trim returns while exited threads' heaps still own live blocks
// (tests/unit/conf_check_trim.hpp).
#include "conf_check_trim.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

class ConfTrimDeathTest : public DeathTestBase {};

TEST_F(ConfTrimDeathTest, TrimReturnsWithOrphanedLiveBlocks) {
  // An orphan that still owns live blocks goes back on the list; trim must visit it once.
  PM_EXPECT_CHILD_PASSES(trim_with_orphaned_live_blocks_child<PmHeap>());
}
