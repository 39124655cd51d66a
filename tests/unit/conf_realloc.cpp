// pm_realloc: class boundaries, growth and shrinking in place, mremap without a copy,
// aligned blocks, failures from the OS (tests/unit/conf_check_realloc.hpp).
#include "conf_check_realloc.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(ConfRealloc, EveryClassBoundary) { check_realloc_every_class_boundary<PmHeap>(); }
TEST(ConfRealloc, InPlaceWithinUsableSize) { check_realloc_in_place_within_usable<PmHeap>(); }
TEST(ConfRealloc, LargeGrowsIntoFreeNeighbour) { check_realloc_large_in_place<PmHeap>(); }
TEST(ConfRealloc, HugeGrowsWithoutCopy) { check_realloc_huge_no_copy<PmHeap>(); }
TEST(ConfRealloc, AlignedBlocksKeepContents) { check_realloc_aligned_blocks<PmHeap>(); }
TEST(ConfRealloc, OsFailureKeepsBlock) { check_realloc_os_failure_keeps_block<PmHeap>(); }
