// free() on pointers the heap never handed out (or got back already) reports and aborts.
#include "../unit/global_check_misuse.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

class ApiMisuseDeathTest : public DeathTestBase {};

TEST_F(ApiMisuseDeathTest, DoubleFreeSmall) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free<LibcHeap>(64));
}
TEST_F(ApiMisuseDeathTest, DoubleFreeLarge) {
  PM_EXPECT_MISUSE_ABORT(misuse_double_free<LibcHeap>(512 * KiB));
}
TEST_F(ApiMisuseDeathTest, FreeStackAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_stack<LibcHeap>());
}
TEST_F(ApiMisuseDeathTest, FreeStaticAddress) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_static<LibcHeap>());
}
TEST_F(ApiMisuseDeathTest, FreeInteriorPointer) {
  PM_EXPECT_MISUSE_ABORT(misuse_free_interior<LibcHeap>());
}
