// pm_calloc zeroes the whole usable size, on memory reused every way
// (tests/unit/conf_check_zeroing.hpp).
#include "conf_check_zeroing.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(ConfZeroing, SlackIsZeroEveryPoolClass) { check_calloc_slack_every_class<PmHeap>(); }
TEST(ConfZeroing, SlackIsZeroLargeAndHuge) { check_calloc_slack_large_huge<PmHeap>(); }
TEST(ConfZeroing, ZeroAfterAlignedFrees) { check_calloc_after_aligned_frees<PmHeap>(); }
TEST(ConfZeroing, ZeroAfterReallocShrink) { check_calloc_after_realloc_shrink<PmHeap>(); }
TEST(ConfZeroing, GrownPartWithinUsableIsZero) { check_calloc_grow_within_usable<PmHeap>(); }
TEST(ConfZeroing, ZeroAfterRemoteFree) { check_calloc_after_remote_free<PmHeap>(); }
