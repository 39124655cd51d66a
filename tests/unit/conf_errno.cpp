// pm_free keeps errno on every path: each pool class, large spans, huge mappings cached or
// unmapped, aligned blocks, remote frees, realloc(p, 0) (tests/unit/conf_check_errno.hpp).
#include "conf_check_errno.hpp"
#include "global_pm_heap.hpp"

using namespace pmtest;

TEST(ConfErrno, FreeKeepsErrnoEveryPoolClass) { check_free_errno_every_class<PmHeap>(); }
TEST(ConfErrno, FreeKeepsErrnoLargeAndHuge) { check_free_errno_large_and_huge<PmHeap>(); }
TEST(ConfErrno, FreeAlignedSizedKeepsErrno) { check_free_aligned_errno<PmHeap>(); }
TEST(ConfErrno, RemoteFreeKeepsErrno) { check_free_errno_foreign_thread<PmHeap>(); }
TEST(ConfErrno, ReallocToZeroKeepsErrno) { check_realloc_zero_errno<PmHeap>(); }
