// pm_calloc memory is zero, fresh or recycled, small to huge.
#include "global_check_zeroing.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(GlobalZeroing, FreshCallocIsZero) { check_calloc_fresh_zero<PmHeap>(); }
TEST(GlobalZeroing, CallocAfterDirtyFreeIsZero) { check_calloc_after_dirty_free<PmHeap>(); }
TEST(GlobalZeroing, BatchReuseIsZero) { check_calloc_batch_reuse<PmHeap>(); }
TEST(GlobalZeroing, CallocFromSplitSpanIsZero) { check_calloc_from_split_span<PmHeap>(); }
