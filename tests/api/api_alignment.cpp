// Aligned allocation through aligned_alloc, memalign, posix_memalign and aligned new.
#include <poolmalloc.h>

#include "../unit/global_check_alignment.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiAlignment, PowersOfTwoUpTo64KiB) { check_alignment_range<LibcHeap>(16, 64 * KiB); }
TEST(ApiAlignment, PowersOfTwoUpTo64MiB) { check_alignment_range<LibcHeap>(128 * KiB, 64 * MiB); }
TEST(ApiAlignment, GiantAlignments) { check_giant_alignments<LibcHeap>(); }
TEST(ApiAlignment, ManyLiveAlignedBlocks) { check_many_live_aligned<LibcHeap>(); }

// Over-aligned types through new-expressions use the aligned operators on their own.
struct alignas(4096) PageAligned {
  unsigned char bytes[100];
};

TEST(ApiAlignment, OverAlignedNewExpressions) {
  auto* one = new PageAligned;
  EXPECT_EQ(pm_owns(one), 1);  // also makes the block escape: the pair cannot be elided
  EXPECT_TRUE(is_aligned(one, 4096));
  std::memset(one->bytes, 1, sizeof one->bytes);
  delete one;
  auto* many = new PageAligned[5];
  EXPECT_EQ(pm_owns(many), 1);
  EXPECT_TRUE(is_aligned(many, 4096));
  std::memset(many, 2, 5 * sizeof(PageAligned));
  delete[] many;
}
