// pm_free on pointers it never handed out (or handed back already) reports and aborts.
// Skipped in sanitizer builds: there the sanitizer, not poolmalloc, may see the misuse first.
#include "global_check_misuse.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

class GlobalMisuseDeathTest : public DeathTestBase {
 protected:
  void SetUp() override {
    DeathTestBase::SetUp();
    PM_SKIP_IN_SANITIZER_BUILD("misuse is reported by the sanitizer runtime");
  }
};

TEST_F(GlobalMisuseDeathTest, DoubleFreeSmall) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free<PmHeap>(64));
}
TEST_F(GlobalMisuseDeathTest, DoubleFreeLarge) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free<PmHeap>(512 * KiB));
}
TEST_F(GlobalMisuseDeathTest, FreeStackAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_stack<PmHeap>());
}
TEST_F(GlobalMisuseDeathTest, FreeStaticAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_static<PmHeap>());
}
TEST_F(GlobalMisuseDeathTest, FreeInteriorPointer) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_interior<PmHeap>());
}

// The double frees the live map tells apart from a live block (runtime/livemap.hpp).
TEST_F(GlobalMisuseDeathTest, DoubleFreeInterleaved) {
  EXPECT_EXIT(misuse_double_free_interleaved<PmHeap>(64), ::testing::KilledBySignal(SIGABRT),
              any_case("double free"));
}
TEST_F(GlobalMisuseDeathTest, DoubleFreeByAnotherThread) {
  EXPECT_EXIT(misuse_double_free_other_thread<PmHeap>(48), ::testing::KilledBySignal(SIGABRT),
              any_case("double free"));
}
TEST_F(GlobalMisuseDeathTest, DoubleFreeTwiceByAnotherThread) {
  EXPECT_EXIT(misuse_double_free_remote_interleaved<PmHeap>(48),
              ::testing::KilledBySignal(SIGABRT), any_case("double free"));
}
TEST_F(GlobalMisuseDeathTest, WarnModeRemoteDoubleFreeKeepsTheHeapSound) {
  ASSERT_EQ(setenv("POOLMALLOC_OPTIONS", "abort_on_misuse=0", 1), 0);
  EXPECT_EXIT(misuse_warn_remote_double_free_keeps_heap<PmHeap>(48), ::testing::ExitedWithCode(0),
              any_case("double free") + ".*child ok");
  unsetenv("POOLMALLOC_OPTIONS");
}
