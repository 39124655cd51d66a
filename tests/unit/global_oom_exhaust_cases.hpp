// The out-of-memory matrix shared by the pm_ API tests and the exported-symbol tests:
// include after defining PM_OOM_HEAP (the heap interface) and PM_OOM_SUITE (a name).
#include <gtest/gtest.h>

namespace {

using pmtest::OomCase;
using pmtest::OomEntry;

enum class Limit { kAddressSpace, kReserveLimit };

// Each child starts from a fresh exec: the reserve limit reaches it through the environment.
class PM_OOM_SUITE : public pmtest::DeathTestBase, public ::testing::WithParamInterface<Limit> {
 protected:
  void SetUp() override {
    DeathTestBase::SetUp();
    PM_SKIP_IN_SANITIZER_BUILD("the sanitizer runtime needs address space beyond the cap");
    if (GetParam() == Limit::kReserveLimit) {
      const char* old = std::getenv("POOLMALLOC_OPTIONS");
      saved_ = old ? old : "";
      had_ = old != nullptr;
      setenv("POOLMALLOC_OPTIONS", "reserve_limit=256m", 1);
    }
  }
  void TearDown() override {
    if (GetParam() == Limit::kReserveLimit) {
      if (had_) setenv("POOLMALLOC_OPTIONS", saved_.c_str(), 1);
      else unsetenv("POOLMALLOC_OPTIONS");
    }
  }
  bool cap() const { return GetParam() == Limit::kAddressSpace; }
  std::string saved_;
  bool had_ = false;
};

constexpr size_t KiB = pmtest::KiB, MiB = pmtest::MiB;

TEST_P(PM_OOM_SUITE, Malloc64B) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kMalloc, 64, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Malloc32KiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kMalloc, 32 * KiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Malloc1MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kMalloc, MiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Malloc3MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kMalloc, 3 * MiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Malloc16MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kMalloc, 16 * MiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Calloc200KiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kCalloc, 200 * KiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, Calloc1MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kCalloc, MiB, 0}, cap())));
}
TEST_P(PM_OOM_SUITE, AlignedAlloc64KiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kAligned, 64 * KiB, 64 * KiB}, cap())));
}
TEST_P(PM_OOM_SUITE, AlignedAlloc2MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_exhaust_child<PM_OOM_HEAP>(OomCase{OomEntry::kAligned, 2 * MiB, 2 * MiB}, cap())));
}
TEST_P(PM_OOM_SUITE, ReallocDoublingKeepsOldBlock) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_realloc_child<PM_OOM_HEAP>(cap())));
}
TEST_P(PM_OOM_SUITE, TwoThreads256B) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_two_threads_child<PM_OOM_HEAP>(256, cap())));
}
TEST_P(PM_OOM_SUITE, TwoThreads1MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_two_threads_child<PM_OOM_HEAP>(MiB, cap())));
}
TEST_P(PM_OOM_SUITE, TwoThreads8MiB) {
  PM_EXPECT_CHILD_PASSES((pmtest::oom_two_threads_child<PM_OOM_HEAP>(8 * MiB, cap())));
}

INSTANTIATE_TEST_SUITE_P(Limits, PM_OOM_SUITE,
                         ::testing::Values(Limit::kAddressSpace, Limit::kReserveLimit),
                         [](const ::testing::TestParamInfo<Limit>& i) {
                           return i.param == Limit::kAddressSpace ? "RlimitAs" : "ReserveLimit";
                         });

}  // namespace
