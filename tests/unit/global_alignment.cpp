// Aligned allocation through pm_aligned_alloc, pm_memalign and pm_posix_memalign.
#include "global_check_alignment.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(GlobalAlignment, PowersOfTwoUpTo64KiB) { check_alignment_range<PmHeap>(16, 64 * KiB); }
TEST(GlobalAlignment, PowersOfTwoUpTo64MiB) { check_alignment_range<PmHeap>(128 * KiB, 64 * MiB); }
TEST(GlobalAlignment, GiantAlignments) { check_giant_alignments<PmHeap>(); }
TEST(GlobalAlignment, ManyLiveAlignedBlocks) { check_many_live_aligned<PmHeap>(); }
