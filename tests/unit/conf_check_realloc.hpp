// realloc beyond the content walks of global_check_realloc.hpp: every class boundary in both
// directions, growth in place where the layout allows it (within the usable size; into a
// free neighbouring span; huge blocks through mremap, without copying), shrinking in place,
// aligned blocks, and failures that go as far as the OS before failing.
#pragma once

#include <cerrno>
#include <cstring>
#include <vector>

#include "conf_check_util.hpp"
#include "global_check_limits.hpp"  // overcommit_mode()

namespace pmtest {

// Each pool class size n: grow to n+1 (next class) and back to n-1, then through the large
// and huge ranges and back; the pattern must survive every step.
template <class H>
void check_realloc_every_class_boundary() {
  for (size_t n : pool_class_sizes<H>()) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    fill_pattern(p, 0, n, 11);
    p = H::realloc(p, n + 1);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(first_pattern_mismatch(p, n, 11), npos) << "growing to " << n + 1;
    fill_pattern(p, n, n + 1, 11);
    const size_t down = n > 1 ? n - 1 : 1;
    p = H::realloc(p, down);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(first_pattern_mismatch(p, down, 11), npos) << "shrinking to " << down;
    H::free(p);
  }
}

// Within the usable size nothing needs to move: growing up to it, or shrinking by a little,
// keeps the pointer (pool, large and huge).
template <class H>
void check_realloc_in_place_within_usable() {
  std::vector<size_t> sizes = {1, 16, 24, 100, 1000, 1500, 6000, 30000, 60000};
  sizes.insert(sizes.end(), std::begin(kConfLargeSizes), std::end(kConfLargeSizes));
  sizes.push_back(kConfHugeSizes[1]);
  for (size_t n : sizes) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    const size_t u = H::usable_size(p);
    fill_pattern(p, 0, n, 12);
    EXPECT_EQ(H::realloc(p, u), p) << "grow to the usable size " << u;
    EXPECT_EQ(H::realloc(p, n), p) << "back to the request";
    // an eighth less (but not from the large range down into the pool range)
    const size_t less = n > kConfPoolMax && n - n / 8 <= kConfPoolMax ? n : n - n / 8;
    EXPECT_EQ(H::realloc(p, less), p) << "shrink by an eighth to " << less;
    EXPECT_EQ(first_pattern_mismatch(p, less, 12), npos);
    H::free(p);
  }
}

// Large blocks: shrinking keeps the pointer and gives the tail back, which a later
// allocation can use; growing into a free neighbour keeps the pointer and the contents.
template <class H>
void check_realloc_large_in_place() {
  // Two consecutive large blocks of one thread are normally carved next to each other.
  // Find such a pair (keeping the misses alive so they do not come back).
  std::vector<void*> misses;
  char* a = nullptr;
  char* b = nullptr;
  for (int i = 0; i < 16 && !b; ++i) {
    auto* x = static_cast<char*>(H::malloc(200 * KiB));
    auto* y = static_cast<char*>(H::malloc(200 * KiB));
    ASSERT_NE(x, nullptr);
    ASSERT_NE(y, nullptr);
    if (y == x + H::usable_size(x)) {
      a = x;
      b = y;
    } else {
      misses.push_back(x);
      misses.push_back(y);
    }
  }
  for (void* m : misses) H::free(m);
  if (!b) GTEST_SKIP() << "no two consecutive 200 KiB blocks were neighbours: layout differs";
  const size_t ua = H::usable_size(a), ub = H::usable_size(b);
  fill_pattern(a, 0, ua, 13);
  H::free(b);
  void* g = H::realloc(a, ua + ub);
  EXPECT_EQ(g, a) << "realloc did not grow into the free neighbour";
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(first_pattern_mismatch(g, ua, 13), npos);
  EXPECT_GE(H::usable_size(g), ua + ub);
  // Shrink back in place; the freed tail is then free for a neighbour-sized block.
  void* s = H::realloc(g, ua);
  EXPECT_EQ(s, g) << "shrinking a large block moved it";
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(first_pattern_mismatch(s, ua, 13), npos);
  EXPECT_LT(H::usable_size(s), ua + ub);
  H::free(s);
}

// Huge blocks grow through mremap: the pages move, nothing is copied. Of a 64 MiB block only
// the first and last pages are touched; after growing to 128 MiB the middle of the block is
// still not resident (a copy would have written, and so faulted in, all of it), and the
// touched bytes are where they were. Shrinking stays in place.
template <class H>
void check_realloc_huge_no_copy() {
  H::trim(0);  // no cached, already resident mapping may serve the request
  const size_t n = 64 * MiB, page = 4096;
  auto* p = static_cast<unsigned char*>(H::malloc(n));
  ASSERT_NE(p, nullptr);
  fill_pattern(p, 0, page, 14);
  for (size_t i = n - page; i < n; ++i) p[i] = pattern_byte(i, 14);
  auto* q = static_cast<unsigned char*>(H::realloc(p, 2 * n));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(first_pattern_mismatch(q, page, 14), npos);
  for (size_t i = n - page; i < n; ++i) ASSERT_EQ(q[i], pattern_byte(i, 14)) << i;
  const size_t mid = resident_pages(q + 8 * MiB, n - 16 * MiB);
  ASSERT_NE(mid, npos) << "mincore failed";
  EXPECT_LT(mid, (n - 16 * MiB) / page / 4)
      << "the grown block's untouched middle is resident: realloc copied it";
  q[2 * n - 1] = 1;  // the new end is usable
  auto* s = static_cast<unsigned char*>(H::realloc(q, n / 2));
  EXPECT_EQ(s, q) << "shrinking a huge block moved it";
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(first_pattern_mismatch(s, page, 14), npos);
  H::free(s);
}

// Blocks from the aligned entry points are ordinary blocks to realloc: contents survive
// growth and shrinking across the parts of the allocator.
template <class H>
void check_realloc_aligned_blocks() {
  for (size_t a : {size_t{64}, size_t{4096}, 64 * KiB, 2 * MiB}) {
    SCOPED_TRACE(a);
    void* p = H::aligned_alloc(a, 100);
    ASSERT_NE(p, nullptr);
    fill_pattern(p, 0, 100, 15);
    size_t have = 100;
    for (size_t n : {size_t{5000}, 300 * KiB, 20 * MiB, 2000 * size_t{1}, size_t{50}}) {
      void* q = H::realloc(p, n);
      ASSERT_NE(q, nullptr) << n;
      const size_t kept = have < n ? have : n;
      ASSERT_EQ(first_pattern_mismatch(q, kept, 15), npos) << "to " << n;
      fill_pattern(q, kept, n, 15);
      p = q;
      have = n;
    }
    H::free(p);
  }
}

// Failures that get as far as asking the OS: 2^46 bytes is a valid request that no machine
// here can back. The block (large or huge, so the in-place and mremap paths run first)
// stays as it was. Skipped under overcommit_memory=1, where the kernel would say yes.
template <class H>
void check_realloc_os_failure_keeps_block() {
  if (overcommit_mode() == 1) GTEST_SKIP() << "vm.overcommit_memory=1 grants any mapping";
  for (size_t n : {200 * KiB, size_t{16} * MiB}) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    fill_pattern(p, 0, n, 16);
    errno = 0;
    void* q = H::realloc(p, opaque(size_t{1} << 46));
    EXPECT_EQ(q, nullptr);
    EXPECT_EQ(errno, ENOMEM);
    if (q) p = q;
    EXPECT_EQ(first_pattern_mismatch(p, n, 16), npos) << "failed realloc changed the block";
    EXPECT_GE(H::usable_size(p), n);
    void* r = H::realloc(p, 2 * n);  // and the block still works
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(first_pattern_mismatch(r, n, 16), npos);
    H::free(r);
  }
}

}  // namespace pmtest
