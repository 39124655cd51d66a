// free and operator delete keep errno on every path (exported symbols;
// tests/unit/conf_check_errno.hpp).
#include <new>

#include "../unit/conf_check_errno.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ConfApiErrno, FreeKeepsErrnoEveryPoolClass) { check_free_errno_every_class<LibcHeap>(); }
TEST(ConfApiErrno, FreeKeepsErrnoLargeAndHuge) { check_free_errno_large_and_huge<LibcHeap>(); }
TEST(ConfApiErrno, FreeAlignedSizedKeepsErrno) { check_free_aligned_errno<LibcHeap>(); }
TEST(ConfApiErrno, RemoteFreeKeepsErrno) { check_free_errno_foreign_thread<LibcHeap>(); }
TEST(ConfApiErrno, ReallocToZeroKeepsErrno) { check_realloc_zero_errno<LibcHeap>(); }

// Every delete form leaves errno alone, for blocks of each part of the allocator.
TEST(ConfApiErrno, DeleteKeepsErrno) {
  for (size_t n : {size_t{32}, size_t{5000}, 300 * KiB, 16 * MiB}) {
    SCOPED_TRACE(n);
    void* p = ::operator new(n);
    errno = EILSEQ;
    ::operator delete(p);
    EXPECT_EQ(errno, EILSEQ) << "delete";
    p = ::operator new[](n);
    errno = EINTR;
    ::operator delete[](p, n);
    EXPECT_EQ(errno, EINTR) << "sized delete[]";
    p = ::operator new(n, std::align_val_t(4096));
    errno = ENOMEM;
    ::operator delete(p, n, std::align_val_t(4096));
    EXPECT_EQ(errno, ENOMEM) << "sized aligned delete";
    p = ::operator new(n, std::nothrow);
    errno = EILSEQ;
    ::operator delete(p, std::nothrow);
    EXPECT_EQ(errno, EILSEQ) << "nothrow delete";
  }
}
