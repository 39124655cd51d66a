// calloc memory is zero, fresh or recycled, small to huge (exported symbol).
#include "../unit/global_check_zeroing.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiZeroing, FreshCallocIsZero) { check_calloc_fresh_zero<LibcHeap>(); }
TEST(ApiZeroing, CallocAfterDirtyFreeIsZero) { check_calloc_after_dirty_free<LibcHeap>(); }
TEST(ApiZeroing, BatchReuseIsZero) { check_calloc_batch_reuse<LibcHeap>(); }
TEST(ApiZeroing, CallocFromSplitSpanIsZero) { check_calloc_from_split_span<LibcHeap>(); }
