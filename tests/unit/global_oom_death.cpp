// Real out-of-memory in re-executed children with a capped address space (pm_ API).
// Skipped in sanitizer builds, whose runtimes need address space of their own.
#include "global_check_oom.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

class GlobalOomDeathTest : public DeathTestBase {
 protected:
  void SetUp() override {
    DeathTestBase::SetUp();
    PM_SKIP_IN_SANITIZER_BUILD("the sanitizer runtime needs address space beyond the cap");
  }
};

TEST_F(GlobalOomDeathTest, BigRequestFailsWithEnomem) {
  PM_EXPECT_CHILD_PASSES(oom_big_request_child<PmHeap>());
}
TEST_F(GlobalOomDeathTest, SmallBlocksUntilExhaustedThenRecover) {
  PM_EXPECT_CHILD_PASSES(oom_small_exhaustion_child<PmHeap>());
}
TEST_F(GlobalOomDeathTest, EveryReleasePathGivesMemoryBack) {
  PM_EXPECT_CHILD_PASSES(release_paths_child<PmHeap>());
}
