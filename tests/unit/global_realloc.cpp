// pm_realloc keeps contents across size classes and allocator parts.
#include "global_check_realloc.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(GlobalRealloc, ContentsSurviveAcrossClasses) { check_realloc_across_classes<PmHeap>(); }
TEST(GlobalRealloc, ShrinkThenGrowKeepsPrefix) { check_realloc_shrink_then_grow<PmHeap>(); }
TEST(GlobalRealloc, InterleavedBlocksKeepContents) { check_realloc_interleaved<PmHeap>(); }
