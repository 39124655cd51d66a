// realloc: class boundaries, in place growth and shrinking, mremap without a copy, aligned
// blocks, OS failures (exported symbols; tests/unit/conf_check_realloc.hpp).
#include "../unit/conf_check_realloc.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ConfApiRealloc, EveryClassBoundary) { check_realloc_every_class_boundary<LibcHeap>(); }
TEST(ConfApiRealloc, InPlaceWithinUsableSize) { check_realloc_in_place_within_usable<LibcHeap>(); }
TEST(ConfApiRealloc, LargeGrowsIntoFreeNeighbour) { check_realloc_large_in_place<LibcHeap>(); }
TEST(ConfApiRealloc, HugeGrowsWithoutCopy) { check_realloc_huge_no_copy<LibcHeap>(); }
TEST(ConfApiRealloc, AlignedBlocksKeepContents) { check_realloc_aligned_blocks<LibcHeap>(); }
TEST(ConfApiRealloc, OsFailureKeepsBlock) { check_realloc_os_failure_keeps_block<LibcHeap>(); }
