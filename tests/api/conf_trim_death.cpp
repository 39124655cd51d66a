// malloc_trim returns while exited threads' heaps still own live blocks
// (tests/unit/conf_check_trim.hpp).
#include "../unit/conf_check_trim.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

class ConfApiTrimDeathTest : public DeathTestBase {};

TEST_F(ConfApiTrimDeathTest, MallocTrimReturnsWithOrphanedLiveBlocks) {
  // An orphan that still owns live blocks goes back on the list; trim must visit it once.
  PM_EXPECT_CHILD_PASSES(trim_with_orphaned_live_blocks_child<LibcHeap>());
}
