// Real out-of-memory through the exported symbols and operator new, in re-executed
// children with a capped address space (see tests/unit/global_check_oom.hpp).
#include <new>

#include "../unit/global_check_oom.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

namespace {

int g_calls = 0;
void count_to_three() {
  if (++g_calls == 3) std::set_new_handler(nullptr);
}

// new throws bad_alloc after the handler ran; the nothrow forms give nullptr.
void new_under_oom_child() {
  ::free(::malloc(1));
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));
  std::set_new_handler(count_to_three);
  bool threw = false;
  try {
    void* volatile p = ::operator new(GiB);
    (void)p;
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  PM_CHILD_CHECK(threw);
  PM_CHILD_CHECK(g_calls == 3);
  PM_CHILD_CHECK(::operator new(GiB, std::nothrow) == nullptr);
  PM_CHILD_CHECK(::operator new[](GiB, std::align_val_t(64), std::nothrow) == nullptr);
  // The pointer escapes through opaque(): otherwise the compiler may elide the allocation.
  char* arr = new (std::nothrow) char[GiB];
  PM_CHILD_CHECK(opaque(arr) == nullptr);
  char* ok = opaque(new char[1000]);  // small requests still work
  ok[999] = 1;
  delete[] ok;
  child_pass();
}

// A handler that frees a ballast block lets the retried allocation succeed.
void* g_ballast = nullptr;
void release_ballast() {
  ++g_calls;
  ::free(g_ballast);
  g_ballast = nullptr;
  std::set_new_handler(nullptr);
}

void handler_recovers_child() {
  ::free(::malloc(1));
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));
  g_ballast = ::malloc(200 * MiB);
  PM_CHILD_CHECK(g_ballast != nullptr);
  errno = 0;
  PM_CHILD_CHECK(::malloc(150 * MiB) == nullptr);  // does not fit beside the ballast
  std::set_new_handler(release_ballast);
  void* p = ::operator new(150 * MiB);  // fails, handler frees the ballast, retry succeeds
  PM_CHILD_CHECK(p != nullptr);
  PM_CHILD_CHECK(g_calls == 1);
  static_cast<char*>(p)[150 * MiB - 1] = 1;
  ::operator delete(p, 150 * MiB);
  child_pass();
}

}  // namespace

class ApiOomDeathTest : public DeathTestBase {};

TEST_F(ApiOomDeathTest, BigRequestFailsWithEnomem) {
  PM_EXPECT_CHILD_PASSES(oom_big_request_child<LibcHeap>());
}
TEST_F(ApiOomDeathTest, SmallBlocksUntilExhaustedThenRecover) {
  PM_EXPECT_CHILD_PASSES(oom_small_exhaustion_child<LibcHeap>());
}
TEST_F(ApiOomDeathTest, EveryReleasePathGivesMemoryBack) {
  PM_EXPECT_CHILD_PASSES(release_paths_child<LibcHeap>());
}
TEST_F(ApiOomDeathTest, NewThrowsAfterHandlerAndNothrowReturnsNull) {
  PM_EXPECT_CHILD_PASSES(new_under_oom_child());
}
TEST_F(ApiOomDeathTest, NewHandlerThatFreesMemoryLetsNewSucceed) {
  PM_EXPECT_CHILD_PASSES(handler_recovers_child());
}
