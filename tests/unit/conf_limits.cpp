// Impossible sizes in steps of 2^k and around the largest accepted size, calloc and
// reallocarray products split every way, aligned padding overflow (pm_ API;
// tests/unit/conf_check_limits.hpp).
#include "conf_check_limits.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(ConfLimits, PowersOfTwoAndNeighboursFail) { check_limits_powers_and_neighbours<PmHeap>(); }
TEST(ConfLimits, CallocProductsEverySplitFail) { check_calloc_products_every_split<PmHeap>(); }
TEST(ConfLimits, AlignedPaddingOverflowFails) { check_aligned_padding_overflow<PmHeap>(); }
TEST(ConfLimits, BadAlignmentReportedFirst) { check_bad_alignment_wins<PmHeap>(); }
