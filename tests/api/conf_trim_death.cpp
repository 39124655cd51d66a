// malloc_trim returns while exited threads' heaps still own live blocks
// (tests/unit/conf_check_trim.hpp).
#include "../unit/conf_check_trim.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

class ConfApiTrimDeathTest : public DeathTestBase {};

TEST_F(ConfApiTrimDeathTest, MallocTrimReturnsWithOrphanedLiveBlocks) {
  // heaps_reclaim_orphans(all=true) loops forever on an orphan it cannot release.
  PM_KNOWN_BUG("malloc_trim never returns while an orphaned heap owns a live block");
  PM_EXPECT_CHILD_PASSES(trim_with_orphaned_live_blocks_child<LibcHeap>());
}
