// The README's behaviour table (glibc's semantics), row by row, as checks over a heap H (PmHeap: the pm_ API,
// LibcHeap: the exported symbols). tests/unit/global_semantics.cpp and
// tests/api/api_semantics.cpp turn each into a test.
#pragma once

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <unistd.h>

#include "global_test_util.hpp"

namespace pmtest {

// Sizes that land in each part of the allocator: pools, the free-list arena, direct maps.
constexpr size_t kSmall = 64;
constexpr size_t kLarge = 512 * KiB;
constexpr size_t kHuge = 16 * MiB;

inline size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// malloc(0): a unique, freeable, non-NULL pointer.
template <class H>
void check_malloc_zero() {
  std::vector<void*> blocks;
  std::set<void*> distinct;
  for (int i = 0; i < 64; ++i) {
    void* p = H::malloc(opaque(size_t{0}));
    ASSERT_NE(p, nullptr) << "malloc(0) #" << i;
    std::memset(p, 0xEE, H::usable_size(p));
    blocks.push_back(p);
    distinct.insert(p);
  }
  EXPECT_EQ(distinct.size(), blocks.size()) << "malloc(0) returned the same pointer twice";
  for (void* p : blocks) H::free(p);
}

// free(NULL) does nothing and leaves errno alone; so do the sized variants.
template <class H>
void check_free_null() {
  errno = EILSEQ;
  H::free(nullptr);
  EXPECT_EQ(errno, EILSEQ);
  H::free_sized(nullptr, 0);
  H::free_sized(nullptr, 100);
  H::free_aligned_sized(nullptr, 64, 128);
  EXPECT_EQ(errno, EILSEQ);
}

// free never changes errno, whatever path the block takes back (pool, arena, munmap).
template <class H>
void check_free_keeps_errno() {
  for (size_t n : {kSmall, kLarge, kHuge}) {
    SCOPED_TRACE(n);
    for (int err : {0, EILSEQ, ENOMEM, EINVAL}) {
      void* p = H::malloc(n);
      ASSERT_NE(p, nullptr);
      static_cast<char*>(p)[n - 1] = 1;
      errno = err;
      H::free(p);
      EXPECT_EQ(errno, err) << "free";
      p = H::malloc(n);
      ASSERT_NE(p, nullptr);
      errno = err;
      H::free_sized(p, n);
      EXPECT_EQ(errno, err) << "free_sized";
      p = H::aligned_alloc(256, n);
      ASSERT_NE(p, nullptr);
      errno = err;
      H::free_aligned_sized(p, 256, n);
      EXPECT_EQ(errno, err) << "free_aligned_sized";
    }
  }
}

// calloc: zeroed memory; a count*size product that overflows gives NULL and ENOMEM.
template <class H>
void check_calloc() {
  for (size_t count : {size_t{1}, size_t{7}, size_t{1000}}) {
    void* p = H::calloc(count, 13);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(first_nonzero(p, count * 13), npos);
    H::free(p);
  }
  const size_t half = SIZE_MAX / 2 + 1;
  const size_t overflow[][2] = {{half, 2},
                                {2, half},
                                {SIZE_MAX / 3 + 1, 3},
                                {3, SIZE_MAX / 3 + 1},
                                {size_t{1} << 32, size_t{1} << 32},
                                {SIZE_MAX, SIZE_MAX},
                                {SIZE_MAX, 2},
                                {2, SIZE_MAX}};
  for (auto& cs : overflow) {
    SCOPED_TRACE(testing::Message() << "calloc(" << cs[0] << ", " << cs[1] << ")");
    errno = 0;
    void* p = H::calloc(opaque(cs[0]), opaque(cs[1]));
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(errno, ENOMEM);
    if (p) H::free(p);
  }
}

// realloc(NULL, n) is malloc(n), also for n == 0 (glibc: a unique non-NULL block).
template <class H>
void check_realloc_null() {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, kLarge, kHuge}) {
    SCOPED_TRACE(n);
    void* p = H::realloc(nullptr, opaque(n));
    ASSERT_NE(p, nullptr);
    ASSERT_GE(H::usable_size(p), n);
    fill_pattern(p, 0, n);
    EXPECT_EQ(first_pattern_mismatch(p, n), npos);
    H::free(p);
  }
}

// realloc(p, 0) frees p and returns NULL (glibc). That the block really goes back is
// checked by the address-space-capped release tests.
template <class H>
void check_realloc_zero() {
  for (size_t n : {size_t{0}, size_t{1}, kSmall, kLarge, kHuge}) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(H::realloc(p, opaque(size_t{0})), nullptr);
  }
}

// A failed realloc returns NULL, sets ENOMEM and leaves the old block as it was.
template <class H>
void check_realloc_failure() {
  for (size_t n : {size_t{1}, kSmall, kLarge, kHuge}) {
    for (size_t bad : {SIZE_MAX, SIZE_MAX / 2, size_t{PTRDIFF_MAX} + 1, size_t{1} << 62}) {
      SCOPED_TRACE(testing::Message() << "realloc(" << n << " bytes, " << bad << ")");
      void* p = H::malloc(n);
      ASSERT_NE(p, nullptr);
      fill_pattern(p, 0, n, 3);
      errno = 0;
      void* q = H::realloc(opaque(p), opaque(bad));
      EXPECT_EQ(q, nullptr);
      EXPECT_EQ(errno, ENOMEM);
      EXPECT_EQ(first_pattern_mismatch(p, n, 3), npos) << "old block changed";
      EXPECT_GE(H::usable_size(p), n);
      H::free(q ? q : p);
    }
  }
}

// reallocarray: realloc(p, count*size) with an overflow check that fails with ENOMEM and
// keeps the old block.
template <class H>
void check_reallocarray() {
  auto* p = static_cast<uint32_t*>(H::reallocarray(nullptr, 10, sizeof(uint32_t)));
  ASSERT_NE(p, nullptr);
  for (uint32_t i = 0; i < 10; ++i) p[i] = i * 2654435761u;
  auto* q = static_cast<uint32_t*>(H::reallocarray(p, 100000, sizeof(uint32_t)));
  ASSERT_NE(q, nullptr);
  for (uint32_t i = 0; i < 10; ++i) ASSERT_EQ(q[i], i * 2654435761u) << i;
  q[99999] = 7;
  const size_t half = SIZE_MAX / 2 + 1;
  const size_t overflow[][2] = {{half, 2}, {2, half}, {SIZE_MAX, SIZE_MAX},
                                {size_t{1} << 33, size_t{1} << 31}};
  for (auto& cs : overflow) {
    SCOPED_TRACE(testing::Message() << "reallocarray(p, " << cs[0] << ", " << cs[1] << ")");
    errno = 0;
    EXPECT_EQ(H::reallocarray(opaque(q), opaque(cs[0]), opaque(cs[1])), nullptr);
    EXPECT_EQ(errno, ENOMEM);
    errno = 0;
    EXPECT_EQ(H::reallocarray(nullptr, opaque(cs[0]), opaque(cs[1])), nullptr);
    EXPECT_EQ(errno, ENOMEM);
  }
  for (uint32_t i = 0; i < 10; ++i) ASSERT_EQ(q[i], i * 2654435761u) << i;
  EXPECT_EQ(q[99999], 7u);
  H::free(q);
}

// posix_memalign: EINVAL unless a power of two and a multiple of sizeof(void*); ENOMEM when
// the request cannot be served; *memptr untouched on any failure.
template <class H>
void check_posix_memalign() {
  void* const sentinel = reinterpret_cast<void*>(uintptr_t{0xDEADBEEF0});
  for (size_t a : {size_t{0}, size_t{1}, size_t{2}, size_t{4}, size_t{12}, size_t{24},
                   size_t{48}, size_t{96}, size_t{100}, size_t{4097}, size_t{3} << 20,
                   SIZE_MAX, SIZE_MAX / 2 + 9}) {
    SCOPED_TRACE(testing::Message() << "alignment " << a);
    void* p = sentinel;
    EXPECT_EQ(H::posix_memalign(&p, opaque(a), 64), EINVAL);
    EXPECT_EQ(p, sentinel);
  }
  for (size_t a = sizeof(void*); a <= 4 * MiB; a <<= 1) {
    SCOPED_TRACE(testing::Message() << "alignment " << a);
    void* p = sentinel;
    ASSERT_EQ(H::posix_memalign(&p, a, 100), 0);
    ASSERT_NE(p, sentinel);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(is_aligned(p, a)) << p;
    EXPECT_GE(H::usable_size(p), 100u);
    std::memset(p, 0x11, 100);
    H::free(p);
  }
  for (size_t n : {SIZE_MAX, SIZE_MAX / 2, size_t{PTRDIFF_MAX} + 1}) {
    SCOPED_TRACE(testing::Message() << "size " << n);
    void* p = sentinel;
    EXPECT_EQ(H::posix_memalign(&p, 64, opaque(n)), ENOMEM);
    EXPECT_EQ(p, sentinel);
  }
}

// aligned_alloc and memalign: any power-of-two alignment, EINVAL (and NULL) for others.
template <class H>
void check_aligned_alloc_memalign() {
  for (size_t a = 1; a <= 4 * MiB; a <<= 1) {
    for (size_t n : {size_t{1}, size_t{100}, a}) {
      SCOPED_TRACE(testing::Message() << "alignment " << a << " size " << n);
      void* p = H::aligned_alloc(a, n);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(is_aligned(p, a)) << p;
      std::memset(p, 0x22, n);
      H::free(p);
      p = H::memalign(a, n);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(is_aligned(p, a)) << p;
      std::memset(p, 0x33, n);
      H::free(p);
    }
  }
  for (size_t a : {size_t{3}, size_t{12}, size_t{24}, size_t{48}, size_t{100}, size_t{4097},
                   size_t{65535}, size_t{3} << 20, SIZE_MAX}) {
    SCOPED_TRACE(testing::Message() << "alignment " << a);
    errno = 0;
    void* p = H::aligned_alloc(opaque(a), 64);
    EXPECT_EQ(p, nullptr) << "aligned_alloc";
    EXPECT_EQ(errno, EINVAL) << "aligned_alloc";
    if (p) H::free(p);
    errno = 0;
    p = H::memalign(opaque(a), 64);
    EXPECT_EQ(p, nullptr) << "memalign";
    EXPECT_EQ(errno, EINVAL) << "memalign";
    if (p) H::free(p);
  }
}

// valloc: page-aligned. pvalloc: page-aligned and the size rounded up to whole pages.
template <class H>
void check_valloc_pvalloc() {
  const size_t page = page_size();
  for (size_t n : {size_t{1}, size_t{100}, page - 1, page, page + 1, 3 * page + 5, kLarge,
                   kHuge + 1}) {
    SCOPED_TRACE(n);
    void* p = H::valloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(is_aligned(p, page)) << p;
    ASSERT_GE(H::usable_size(p), n);
    std::memset(p, 0x44, H::usable_size(p));
    H::free(p);
    const size_t rounded = (n + page - 1) / page * page;
    p = H::pvalloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(is_aligned(p, page)) << p;
    ASSERT_GE(H::usable_size(p), rounded) << "pvalloc did not round up to a page";
    std::memset(p, 0x55, H::usable_size(p));
    H::free(p);
  }
  void* p = H::pvalloc(0);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(is_aligned(p, page)) << p;
  H::free(p);
}

// malloc_usable_size: at least the requested size, and every byte of it writable; 0 for NULL.
template <class H>
void check_usable_size() {
  EXPECT_EQ(H::usable_size(nullptr), 0u);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 1100; ++n) sizes.push_back(n);
  for (size_t n = 1024; n <= 64 * MiB; n = n * 5 / 4 + 3) sizes.push_back(n);
  for (size_t n : sizes) {
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr) << n;
    size_t usable = H::usable_size(p);
    ASSERT_GE(usable, n);
    std::memset(p, 0x66, usable);
    H::free(p);
  }
}

// free_sized / free_aligned_sized with the sizes the blocks were requested with, from every
// allocation function that C23 pairs them with.
template <class H>
void check_free_sized() {
  for (size_t n : {size_t{1}, size_t{16}, size_t{17}, size_t{1000}, size_t{4096}, 100 * KiB,
                   kLarge, 2 * MiB + 1, kHuge}) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, n);
    H::free_sized(p, n);
    p = H::calloc(n, 1);
    ASSERT_NE(p, nullptr);
    H::free_sized(p, n);
    p = H::realloc(nullptr, n / 2 + 1);
    ASSERT_NE(p, nullptr);
    p = H::realloc(p, n);
    ASSERT_NE(p, nullptr);
    H::free_sized(p, n);
    for (size_t a : {size_t{16}, size_t{64}, size_t{4096}, size_t{1} << 16, size_t{1} << 21}) {
      void* q = H::aligned_alloc(a, n);
      ASSERT_NE(q, nullptr) << a;
      ASSERT_TRUE(is_aligned(q, a));
      std::memset(q, 2, n);
      H::free_aligned_sized(q, a, n);
    }
  }
}

// trim gives memory back and says whether it did: 0 or 1, and the heap works afterwards.
template <class H>
void check_trim() {
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) {
    void* p = H::malloc(i % 2 ? 64 * KiB : 300);
    ASSERT_NE(p, nullptr);
    std::memset(p, 3, 300);
    blocks.push_back(p);
  }
  for (void* p : blocks) H::free(p);
  int r = H::trim(0);
  EXPECT_TRUE(r == 0 || r == 1) << r;
  r = H::trim(1 * MiB);
  EXPECT_TRUE(r == 0 || r == 1) << r;
  void* p = H::malloc(64 * KiB);
  ASSERT_NE(p, nullptr);
  std::memset(p, 4, 64 * KiB);
  H::free(p);
}

}  // namespace pmtest
