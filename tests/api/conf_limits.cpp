// Impossible sizes in steps of 2^k, calloc/reallocarray products, aligned padding overflow
// through the exported symbols (tests/unit/conf_check_limits.hpp).
#include "../unit/conf_check_limits.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ConfApiLimits, PowersOfTwoAndNeighboursFail) {
  check_limits_powers_and_neighbours<LibcHeap>();
}
TEST(ConfApiLimits, CallocProductsEverySplitFail) { check_calloc_products_every_split<LibcHeap>(); }
TEST(ConfApiLimits, AlignedPaddingOverflowFails) { check_aligned_padding_overflow<LibcHeap>(); }
TEST(ConfApiLimits, BadAlignmentReportedFirst) { check_bad_alignment_wins<LibcHeap>(); }
