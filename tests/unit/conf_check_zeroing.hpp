// What poolmalloc's calloc guarantees (runtime/alloc.cpp): the whole usable size is zero,
// not only the request, as glibc does. So the slack a caller may use after
// malloc_usable_size is zero too, and a block grown in place by realloc within its usable
// size shows zeros in the grown part. Checked on memory that was dirtied first, through
// every path that can hand it back: the same class, aligned blocks, shrunken spans, bigger
// cached mappings, frees from other threads. (C does not make realloc zero the grown part
// of a block it moved; neither does glibc, and that is not asserted.)
#pragma once

#include <cstring>
#include <thread>
#include <vector>

#include "conf_check_util.hpp"

namespace pmtest {

// Dirty all of a block's usable bytes and free it.
template <class H>
void dirty_free(void* p) {
  std::memset(p, 0xA7, H::usable_size(p));
  H::free(p);
}

template <class H>
::testing::AssertionResult usable_all_zero(void* p, size_t n) {
  if (!p) return ::testing::AssertionFailure() << "calloc returned NULL for " << n;
  const size_t u = H::usable_size(p);
  if (u < n) return ::testing::AssertionFailure() << "usable " << u << " < " << n;
  const size_t bad = first_nonzero(p, u);
  if (bad == npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "calloc(" << n << ") byte " << bad << " of " << u
                                       << " usable is not zero"
                                       << (bad >= n ? " (in the usable-size slack)" : "");
}

// Every pool class: a batch of dirty blocks freed, then calloc'ed back in both argument
// orders; the whole usable size of each must be zero.
template <class H>
void check_calloc_slack_every_class() {
  for (size_t u : pool_class_sizes<H>()) {
    const size_t n = u > 16 ? u - 7 : u;  // leave some slack inside the class
    std::vector<void*> blocks(24);
    for (int round = 0; round < 2; ++round) {
      for (void*& p : blocks) p = H::malloc(n);
      for (void* p : blocks) {
        ASSERT_NE(p, nullptr);
        dirty_free<H>(p);
      }
      for (size_t i = 0; i < blocks.size(); ++i) {
        void* p = i % 2 ? H::calloc(n, 1) : H::calloc(1, n);
        ASSERT_TRUE(usable_all_zero<H>(p, n)) << "round " << round;
        blocks[i] = p;
      }
      for (void* p : blocks) dirty_free<H>(p);
    }
  }
}

// Large and huge: the same, plus a smaller request served from a bigger freed block (a
// cached mapping or a span longer than the request), where the slack is widest.
template <class H>
void check_calloc_slack_large_huge() {
  std::vector<size_t> sizes(std::begin(kConfLargeSizes), std::end(kConfLargeSizes));
  sizes.insert(sizes.end(), std::begin(kConfHugeSizes), std::end(kConfHugeSizes));
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    dirty_free<H>(p);
    p = H::calloc(1, n);
    ASSERT_TRUE(usable_all_zero<H>(p, n));
    dirty_free<H>(p);
    // a little smaller: may reuse the block just freed, with slack past the request
    const size_t m = n - n / 8;
    p = H::calloc(m, 1);
    ASSERT_TRUE(usable_all_zero<H>(p, m));
    dirty_free<H>(p);
  }
}

// Memory dirtied through aligned blocks (their alignment padding is carved off and freed
// separately) comes back zeroed through calloc.
template <class H>
void check_calloc_after_aligned_frees() {
  for (size_t a : {size_t{64}, size_t{4096}, 64 * KiB, MiB}) {
    for (size_t n : {size_t{100}, size_t{3000}, 40 * KiB, 300 * KiB}) {
      SCOPED_TRACE(testing::Message() << "align " << a << " size " << n);
      std::vector<void*> blocks(8);
      for (void*& p : blocks) {
        p = H::aligned_alloc(a, n);
        ASSERT_NE(p, nullptr);
        std::memset(p, 0xA7, H::usable_size(p));
      }
      for (void* p : blocks) H::free(p);
      for (void*& p : blocks) {
        p = H::calloc(1, n);
        ASSERT_TRUE(usable_all_zero<H>(p, n));
      }
      for (void* p : blocks) dirty_free<H>(p);
    }
  }
}

// A large block shrunk by realloc gives its dirty tail back; calloc must not hand that
// tail out with old contents.
template <class H>
void check_calloc_after_realloc_shrink() {
  for (int round = 0; round < 4; ++round) {
    void* p = H::malloc(MiB);
    ASSERT_NE(p, nullptr);
    std::memset(p, 0xA7, H::usable_size(p));
    p = H::realloc(p, 160 * KiB);
    ASSERT_NE(p, nullptr);
    std::vector<void*> tail;
    for (size_t n : {size_t{100} * KiB, size_t{300} * KiB, size_t{200} * KiB}) {
      void* q = H::calloc(1, n);
      ASSERT_TRUE(usable_all_zero<H>(q, n));
      tail.push_back(q);
    }
    for (void* q : tail) dirty_free<H>(q);
    dirty_free<H>(p);
  }
}

// calloc, then realloc to any size up to the usable size: the block stays where it is
// (nothing to move) and the bytes past the original request are still the zeros calloc
// wrote. Small, large and huge.
template <class H>
void check_calloc_grow_within_usable() {
  std::vector<size_t> sizes = {1, 20, 100, 1000, 5000, 20000};
  sizes.insert(sizes.end(), std::begin(kConfLargeSizes), std::end(kConfLargeSizes));
  sizes.push_back(kConfHugeSizes[1]);
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    void* d = H::malloc(n);  // dirty memory for the calloc to reuse
    ASSERT_NE(d, nullptr);
    dirty_free<H>(d);
    auto* p = static_cast<unsigned char*>(H::calloc(1, n));
    ASSERT_TRUE(usable_all_zero<H>(p, n));
    const size_t u = H::usable_size(p);
    std::memset(p, 0x5C, n);  // the caller's data; the slack is left alone
    void* q = H::realloc(p, u);
    ASSERT_EQ(q, p) << "realloc within the usable size moved the block";
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(p[i], 0x5C) << i;
    EXPECT_EQ(first_nonzero(p + n, u - n), npos) << "grown part of a calloc'ed block";
    H::free(p);
  }
}

// A thread dirties blocks that another thread frees (remote frees); the owner then
// calloc's the same sizes and must see zeros, small and large.
template <class H>
void check_calloc_after_remote_free() {
  for (size_t n : {size_t{48}, size_t{700}, size_t{9000}, 200 * KiB}) {
    SCOPED_TRACE(n);
    std::vector<void*> blocks(64);
    for (void*& p : blocks) {
      p = H::malloc(n);
      ASSERT_NE(p, nullptr);
      std::memset(p, 0xA7, H::usable_size(p));
    }
    std::thread([&] {
      for (void* p : blocks) H::free(p);
    }).join();
    for (int round = 0; round < 2; ++round) {
      for (void*& p : blocks) {
        p = H::calloc(n, 1);
        ASSERT_TRUE(usable_all_zero<H>(p, n));
      }
      for (void* p : blocks) dirty_free<H>(p);
    }
  }
}

}  // namespace pmtest
