// calloc returns zeroed memory for small, large and huge sizes, including memory that was
// just dirtied and freed (the case where an allocator that skips clearing "fresh" pages
// would leak old contents).
#pragma once

#include <cstring>
#include <vector>

#include "global_test_util.hpp"

namespace pmtest {

inline const std::vector<size_t>& calloc_sizes() {
  static const std::vector<size_t> sizes = {
      1,        8,        16,       24,      48,      100,     256,     1000,
      4096,     10000,    50000,    100 * KiB, 256 * KiB, 1 * MiB, 2 * MiB,
      8 * MiB,  9 * MiB + 123, 32 * MiB};
  return sizes;
}

template <class H>
void check_calloc_fresh_zero() {
  for (size_t n : calloc_sizes()) {
    void* p = H::calloc(1, n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(first_nonzero(p, n), npos) << "calloc(1, " << n << ")";
    H::free(p);
    p = H::calloc(n, 1);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(first_nonzero(p, n), npos) << "calloc(" << n << ", 1)";
    H::free(p);
  }
}

// Allocate, fill with 0xAB (the whole usable size), free, then calloc the same size: many
// times per size, alternating argument order, all zero each time.
template <class H>
void check_calloc_after_dirty_free() {
  for (size_t n : calloc_sizes()) {
    const int rounds = n >= 8 * MiB ? 4 : 24;
    for (int r = 0; r < rounds; ++r) {
      void* p = H::malloc(n);
      ASSERT_NE(p, nullptr) << n;
      std::memset(p, 0xAB, H::usable_size(p));
      H::free(p);
      void* q = r % 2 ? H::calloc(n, 1) : H::calloc(1, n);
      ASSERT_NE(q, nullptr) << n;
      ASSERT_EQ(first_nonzero(q, n), npos) << "calloc " << n << " round " << r;
      std::memset(q, 0xAB, H::usable_size(q));
      H::free(q);
    }
  }
}

// A whole page's worth of small blocks dirtied and freed, then calloc'ed back in bulk.
template <class H>
void check_calloc_batch_reuse() {
  for (size_t n : {size_t{16}, size_t{48}, size_t{112}, size_t{1024}}) {
    std::vector<void*> blocks(512);
    for (int r = 0; r < 3; ++r) {
      for (void*& p : blocks) {
        p = H::malloc(n);
        ASSERT_NE(p, nullptr);
        std::memset(p, 0xAB, H::usable_size(p));
      }
      for (void* p : blocks) H::free(p);
      for (void*& p : blocks) {
        p = H::calloc(n / 8, 8);
        ASSERT_NE(p, nullptr);
        ASSERT_EQ(first_nonzero(p, n), npos) << "size " << n << " round " << r;
      }
      for (void* p : blocks) H::free(p);
    }
  }
}

// Dirty a large block, free it, then calloc something smaller carved from the same span.
template <class H>
void check_calloc_from_split_span() {
  void* big = H::malloc(4 * MiB);
  ASSERT_NE(big, nullptr);
  std::memset(big, 0xAB, 4 * MiB);
  H::free(big);
  std::vector<void*> parts;
  for (size_t n = 100 * KiB; n <= 1 * MiB; n += 300 * KiB) {
    void* p = H::calloc(1, n);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(first_nonzero(p, n), npos) << n;
    parts.push_back(p);
  }
  for (void* p : parts) H::free(p);
}

}  // namespace pmtest
