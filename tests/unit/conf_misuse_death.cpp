// pm_free / pm_realloc of foreign and stale pointers report and abort (README "Errors";
// tests/unit/conf_check_misuse.hpp). Skipped in sanitizer builds, like global_misuse_death.
#include "conf_check_misuse.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

class ConfMisuseDeathTest : public DeathTestBase {
 protected:
  void SetUp() override {
    DeathTestBase::SetUp();
    PM_SKIP_IN_SANITIZER_BUILD("misuse is reported by the sanitizer runtime");
  }
};

TEST_F(ConfMisuseDeathTest, FreeMmappedAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_mmapped<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, FreeSegmentAlignedForeignMapping) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_mmapped_segment_aligned<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, ReallocMmappedAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_realloc_mmapped<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, FreeInsideLargeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_inside_large<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, FreeInsideHugeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_inside_huge<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, FreeUnmappedHugeBlock) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_unmapped_huge<PmHeap>());
}
TEST_F(ConfMisuseDeathTest, DoubleFreeHuge) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free_huge<PmHeap>());
}

// Asking is not misuse: pm_owns and pm_usable_size say 0 for foreign addresses.
TEST(ConfMisuse, OwnsAndUsableSizeOfForeignAddresses) {
  auto* m = static_cast<char*>(map_foreign(64 * KiB));
  ASSERT_NE(m, nullptr);
  auto* large = static_cast<char*>(pm_malloc(300 * KiB));
  ASSERT_NE(large, nullptr);
  static char in_data[256];
  char on_stack[256] = {};
  const void* foreign[] = {m,  m + 4096, large + 8 * KiB, large + 16, in_data + 64,
                           opaque(static_cast<char*>(on_stack)) + 64};
  for (const void* p : foreign) {
    EXPECT_EQ(pm_owns(p), 0) << p;
    EXPECT_EQ(pm_usable_size(p), 0u) << p;
  }
  EXPECT_EQ(pm_owns(large), 1);
  pm_free(large);
  munmap(m, 64 * KiB);
}
