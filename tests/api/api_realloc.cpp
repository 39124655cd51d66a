// realloc keeps contents across size classes and allocator parts (exported symbol).
#include "../unit/global_check_realloc.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiRealloc, ContentsSurviveAcrossClasses) { check_realloc_across_classes<LibcHeap>(); }
TEST(ApiRealloc, ShrinkThenGrowKeepsPrefix) { check_realloc_shrink_then_grow<LibcHeap>(); }
TEST(ApiRealloc, InterleavedBlocksKeepContents) { check_realloc_interleaved<LibcHeap>(); }
