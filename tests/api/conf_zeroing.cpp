// calloc zeroes the whole usable size, on memory reused every way (exported symbols;
// tests/unit/conf_check_zeroing.hpp).
#include "../unit/conf_check_zeroing.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ConfApiZeroing, SlackIsZeroEveryPoolClass) { check_calloc_slack_every_class<LibcHeap>(); }
TEST(ConfApiZeroing, SlackIsZeroLargeAndHuge) { check_calloc_slack_large_huge<LibcHeap>(); }
TEST(ConfApiZeroing, ZeroAfterAlignedFrees) { check_calloc_after_aligned_frees<LibcHeap>(); }
TEST(ConfApiZeroing, ZeroAfterReallocShrink) { check_calloc_after_realloc_shrink<LibcHeap>(); }
TEST(ConfApiZeroing, GrownPartWithinUsableIsZero) { check_calloc_grow_within_usable<LibcHeap>(); }
TEST(ConfApiZeroing, ZeroAfterRemoteFree) { check_calloc_after_remote_free<LibcHeap>(); }
