// All 20 replaceable operator new / delete forms, each called explicitly: the allocation is
// poolmalloc's, aligned as asked and writable, and the matching delete really releases it
// (mallinfo2().uordblks falls by the block size).
#include <poolmalloc.h>

#include <cstring>
#include <new>

#include "api_libc_heap.hpp"

using namespace pmtest;

namespace {

constexpr size_t kSize = 64 * KiB;
constexpr std::align_val_t kAlign{4096};

size_t in_use() { return mallinfo2().uordblks; }

// alloc() returns a block of kSize aligned to `align`; release(p) frees it.
template <class Alloc, class Release>
void check_pair(size_t align, Alloc alloc, Release release) {
  const size_t before = in_use();
  void* p = alloc();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pm_owns(p), 1);
  EXPECT_TRUE(is_aligned(p, align)) << p;
  std::memset(p, 0x3C, kSize);
  const size_t held = in_use();
  EXPECT_GE(held, before + kSize) << "allocation not counted in mallinfo2";
  release(p);
  EXPECT_LE(in_use() + kSize, held) << "delete did not release the block";
}

}  // namespace

TEST(ApiOperators, NewAndDelete) {
  check_pair(16, [] { return ::operator new(kSize); }, [](void* p) { ::operator delete(p); });
}
TEST(ApiOperators, ArrayNewAndDelete) {
  check_pair(16, [] { return ::operator new[](kSize); }, [](void* p) { ::operator delete[](p); });
}
TEST(ApiOperators, AlignedNewAndDelete) {
  check_pair(4096, [] { return ::operator new(kSize, kAlign); },
             [](void* p) { ::operator delete(p, kAlign); });
}
TEST(ApiOperators, AlignedArrayNewAndDelete) {
  check_pair(4096, [] { return ::operator new[](kSize, kAlign); },
             [](void* p) { ::operator delete[](p, kAlign); });
}
TEST(ApiOperators, NothrowNewAndSizedDelete) {
  check_pair(16, [] { return ::operator new(kSize, std::nothrow); },
             [](void* p) { ::operator delete(p, kSize); });
}
TEST(ApiOperators, NothrowArrayNewAndSizedArrayDelete) {
  check_pair(16, [] { return ::operator new[](kSize, std::nothrow); },
             [](void* p) { ::operator delete[](p, kSize); });
}
TEST(ApiOperators, AlignedNothrowNewAndSizedAlignedDelete) {
  check_pair(4096, [] { return ::operator new(kSize, kAlign, std::nothrow); },
             [](void* p) { ::operator delete(p, kSize, kAlign); });
}
TEST(ApiOperators, AlignedNothrowArrayNewAndSizedAlignedArrayDelete) {
  check_pair(4096, [] { return ::operator new[](kSize, kAlign, std::nothrow); },
             [](void* p) { ::operator delete[](p, kSize, kAlign); });
}
TEST(ApiOperators, NothrowDelete) {
  check_pair(16, [] { return ::operator new(kSize); },
             [](void* p) { ::operator delete(p, std::nothrow); });
}
TEST(ApiOperators, NothrowArrayDelete) {
  check_pair(16, [] { return ::operator new[](kSize); },
             [](void* p) { ::operator delete[](p, std::nothrow); });
}
TEST(ApiOperators, AlignedNothrowDelete) {
  check_pair(4096, [] { return ::operator new(kSize, kAlign); },
             [](void* p) { ::operator delete(p, kAlign, std::nothrow); });
}
TEST(ApiOperators, AlignedNothrowArrayDelete) {
  check_pair(4096, [] { return ::operator new[](kSize, kAlign); },
             [](void* p) { ::operator delete[](p, kAlign, std::nothrow); });
}

// align_val_t is honoured for every power of two, on both sides of the default alignment.
TEST(ApiOperators, AlignedNewHonoursEveryAlignment) {
  for (size_t a = 1; a <= 4 * MiB; a <<= 1) {
    for (size_t n : {size_t{1}, size_t{24}, a + 1}) {
      void* p = ::operator new(n, std::align_val_t(a));
      EXPECT_TRUE(is_aligned(p, a)) << "align " << a << " size " << n << ": " << p;
      std::memset(p, 0x5E, n);
      ::operator delete(p, n, std::align_val_t(a));
      p = ::operator new[](n, std::align_val_t(a), std::nothrow);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(is_aligned(p, a)) << "align " << a << " size " << n << ": " << p;
      ::operator delete[](p, std::align_val_t(a));
    }
  }
}

// operator new(0) gives distinct non-null blocks (like malloc(0)).
TEST(ApiOperators, NewZeroIsUnique) {
  void* a = ::operator new(opaque(size_t{0}));
  void* b = ::operator new[](opaque(size_t{0}));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  ::operator delete(a, size_t{0});
  ::operator delete[](b);
}

// Every delete form accepts a null pointer and does nothing (a crash fails the test).
TEST(ApiOperators, DeleteNullIsNoop) {
  // A fresh opaque null per call: the compiler must not treat it as one freed pointer.
  auto null = [] { return opaque(static_cast<void*>(nullptr)); };
  ::operator delete(null());
  ::operator delete[](null());
  ::operator delete(null(), kAlign);
  ::operator delete[](null(), kAlign);
  ::operator delete(null(), size_t{8});
  ::operator delete[](null(), size_t{8});
  ::operator delete(null(), size_t{8}, kAlign);
  ::operator delete[](null(), size_t{8}, kAlign);
  ::operator delete(null(), std::nothrow);
  ::operator delete[](null(), std::nothrow);
  ::operator delete(null(), kAlign, std::nothrow);
  ::operator delete[](null(), kAlign, std::nothrow);
  SUCCEED() << "no crash";
}
