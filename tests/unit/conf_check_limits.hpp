// Limits beyond global_check_limits.hpp: every 2^k from 2^47 (past the user address space)
// with its neighbours 2^k - 1 and 2^k + 1, the largest accepted size and the one above it,
// calloc and reallocarray with the product split every way between the two arguments, and
// aligned requests where size plus alignment padding would wrap. Each must give NULL with
// ENOMEM (posix_memalign: ENOMEM, *memptr untouched), never a small block.
#pragma once

#include <cerrno>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include <poolmalloc.h>

#include "global_check_limits.hpp"

namespace pmtest {

inline std::vector<size_t> conf_impossible_sizes() {
  std::vector<size_t> v;
  for (int k = 47; k <= 63; ++k) {
    const size_t p = size_t{1} << k;
    v.push_back(p - 1);
    v.push_back(p + 1);
  }
  v.push_back(PM_MAX_ALLOC_SIZE);      // accepted, but no machine has it
  v.push_back(PM_MAX_ALLOC_SIZE + 1);  // refused outright
  v.push_back(size_t{PTRDIFF_MAX} - 1);
  v.push_back(SIZE_MAX - 2);
  return v;
}

// Every entry point (first_limit_violation) with the sizes above.
template <class H>
void check_limits_powers_and_neighbours() {
  auto* live = static_cast<unsigned char*>(H::malloc(100));
  ASSERT_NE(live, nullptr);
  fill_pattern(live, 0, 100, 9);
  for (size_t n : conf_impossible_sizes()) {
    const char* bad = first_limit_violation<H>(n, live);
    EXPECT_EQ(bad, nullptr) << bad << " with n = " << n << " (0x" << std::hex << n << ")";
  }
  H::free(live);
}

// calloc(2^i, 2^j) and reallocarray(NULL / p, 2^i, 2^j) for i + j from 47 to 70: either the
// product is too big for the address space or it overflows; both orders of the arguments.
template <class H>
void check_calloc_products_every_split() {
  void* live = H::malloc(64);
  ASSERT_NE(live, nullptr);
  fill_pattern(live, 0, 64, 10);
  for (int k = 47; k <= 70; ++k) {
    for (int i = 0; i <= k && i < 64; ++i) {
      const int j = k - i;
      if (j >= 64) continue;
      const size_t a = opaque(size_t{1} << i), b = opaque(size_t{1} << j);
      SCOPED_TRACE(testing::Message() << "2^" << i << " x 2^" << j);
      errno = 0;
      void* p = H::calloc(a, b);
      EXPECT_EQ(p, nullptr) << "calloc";
      EXPECT_EQ(errno, ENOMEM) << "calloc";
      if (p) H::free(p);
      errno = 0;
      p = H::reallocarray(nullptr, a, b);
      EXPECT_EQ(p, nullptr) << "reallocarray(NULL)";
      EXPECT_EQ(errno, ENOMEM) << "reallocarray(NULL)";
      if (p) H::free(p);
      errno = 0;
      p = H::reallocarray(live, a, b);
      EXPECT_EQ(p, nullptr) << "reallocarray(live)";
      EXPECT_EQ(errno, ENOMEM) << "reallocarray(live)";
      if (p) live = p;
      if (testing::Test::HasFailure()) {
        H::free(live);
        return;
      }
    }
  }
  // Products just below and at SIZE_MAX, without overflow: too big all the same.
  const size_t odd[][2] = {{3, SIZE_MAX / 3}, {SIZE_MAX / 3, 3}, {5, SIZE_MAX / 5},
                           {SIZE_MAX / 17, 17}, {255, SIZE_MAX / 255}};
  for (auto& c : odd) {
    errno = 0;
    EXPECT_EQ(H::calloc(opaque(c[0]), opaque(c[1])), nullptr) << c[0] << " x " << c[1];
    EXPECT_EQ(errno, ENOMEM);
  }
  EXPECT_EQ(first_pattern_mismatch(live, 64, 10), npos) << "failed reallocarray changed the block";
  H::free(live);
}

// Aligned requests whose size plus the alignment would wrap around or pass PTRDIFF_MAX:
// every alignment from 16 B to 1 GiB with sizes at the top of the range.
template <class H>
void check_aligned_padding_overflow() {
  void* const sentinel = reinterpret_cast<void*>(uintptr_t{0xDEADBEEF0});
  for (size_t a = 16; a <= GiB; a <<= 1) {
    for (size_t n : {SIZE_MAX - a + 1, SIZE_MAX - a / 2, size_t{PTRDIFF_MAX} - a + 1,
                     PM_MAX_ALLOC_SIZE - a + 1, PM_MAX_ALLOC_SIZE}) {
      SCOPED_TRACE(testing::Message() << "align " << a << " size 0x" << std::hex << n);
      n = opaque(n);
      errno = 0;
      void* p = H::aligned_alloc(a, n);
      EXPECT_EQ(p, nullptr) << "aligned_alloc";
      EXPECT_EQ(errno, ENOMEM) << "aligned_alloc";
      if (p) H::free(p);
      errno = 0;
      p = H::memalign(a, n);
      EXPECT_EQ(p, nullptr) << "memalign";
      EXPECT_EQ(errno, ENOMEM) << "memalign";
      if (p) H::free(p);
      void* m = sentinel;
      errno = 0;
      EXPECT_EQ(H::posix_memalign(&m, a, n), ENOMEM) << "posix_memalign";
      EXPECT_EQ(m, sentinel) << "posix_memalign changed *memptr";
      // glibc (and its own malloc tests) leave ENOMEM in errno too.
      EXPECT_EQ(errno, ENOMEM) << "posix_memalign errno";
      if (testing::Test::HasFailure()) return;
    }
  }
}

// A bad alignment is reported as such (EINVAL) even with an impossible size, and
// posix_memalign then leaves *memptr alone too.
template <class H>
void check_bad_alignment_wins() {
  void* const sentinel = reinterpret_cast<void*>(uintptr_t{0xDEADBEEF0});
  for (size_t n : {size_t{0}, SIZE_MAX, size_t{PTRDIFF_MAX} + 1}) {
    for (size_t a : {size_t{0}, size_t{3}, size_t{24}, size_t{4097}, SIZE_MAX}) {
      SCOPED_TRACE(testing::Message() << "align " << a << " size " << n);
      void* m = sentinel;
      EXPECT_EQ(H::posix_memalign(&m, opaque(a), opaque(n)), EINVAL);
      EXPECT_EQ(m, sentinel);
      if (a == 0) continue;  // aligned_alloc(0, n): no power of two, but glibc-era callers vary
      errno = 0;
      void* p = H::aligned_alloc(opaque(a), opaque(n));
      EXPECT_EQ(p, nullptr);
      EXPECT_EQ(errno, EINVAL) << "aligned_alloc";
      if (p) H::free(p);
    }
  }
}

}  // namespace pmtest
