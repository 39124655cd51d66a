// Alignment: every power of two from 16 B to 64 MiB over sizes around the alignment, plus a
// few giant alignments with small sizes, through each aligned entry point of a heap H.
#pragma once

#include <cstring>
#include <iterator>
#include <vector>

#include "global_test_util.hpp"

namespace pmtest {

// Writes all of [0, usable). When usable runs far past the request (an allocator may report
// the rest of a giant aligned mapping), the excess gets one byte per 64 KiB and its last
// byte: that proves it mapped and writable without faulting in a gigabyte.
inline void touch_usable(void* p, size_t n, size_t usable) {
  auto* b = static_cast<unsigned char*>(p);
  if (usable <= n + 16 * MiB) {
    std::memset(b, 0xA5, usable);
    return;
  }
  std::memset(b, 0xA5, n);
  for (size_t i = n; i < usable; i += 64 * KiB) b[i] = 0xA5;
  b[usable - 1] = 0xA5;
}

// One aligned block: aligned, at least `n` usable bytes, all of them writable.
template <class H>
void check_one_aligned(const AlignedEntry& e, size_t a, size_t n) {
  SCOPED_TRACE(testing::Message() << e.name << "(align " << a << ", size " << n << ")");
  void* p = e.alloc(a, n);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(is_aligned(p, a)) << p;
  size_t usable = H::usable_size(p);
  ASSERT_GE(usable, n);
  touch_usable(p, n, usable);
  e.release(p, a, n);
}

// Sizes 1, a-1, a, a+1 (and 3a up to 1 MiB alignments). Every entry point takes every case up
// to 64 KiB; above that they take turns, which keeps the memory touched (and time) small.
template <class H>
void check_alignment_range(size_t amin, size_t amax) {
  const size_t entries = std::size(H::aligned_entries);
  size_t turn = 0;
  for (size_t a = amin; a <= amax; a <<= 1) {
    std::vector<size_t> sizes = {1, a - 1, a, a + 1};
    if (a <= MiB) sizes.push_back(3 * a);
    for (size_t n : sizes) {
      if (a <= 64 * KiB) {
        for (const AlignedEntry& e : H::aligned_entries) {
          check_one_aligned<H>(e, a, n);
          if (testing::Test::HasFatalFailure()) return;
        }
      } else {
        check_one_aligned<H>(H::aligned_entries[turn++ % entries], a, n);
        if (testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// 128 MiB, 256 MiB and 1 GiB alignments with small sizes: address space, little memory.
template <class H>
void check_giant_alignments() {
  for (size_t a : {128 * MiB, 256 * MiB, GiB}) {
    for (size_t n : {size_t{1}, size_t{4096}}) {
      for (const AlignedEntry& e : H::aligned_entries) {
        check_one_aligned<H>(e, a, n);
        if (testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// Many live aligned blocks at once, so the allocator cannot hand back the same spot each time.
template <class H>
void check_many_live_aligned() {
  std::vector<void*> blocks;
  for (size_t a = 16; a <= 64 * KiB; a <<= 1) {
    for (int i = 0; i < 16; ++i) {
      void* p = H::aligned_alloc(a, 48);
      ASSERT_NE(p, nullptr);
      ASSERT_TRUE(is_aligned(p, a)) << "align " << a << " got " << p;
      std::memset(p, i, 48);
      blocks.push_back(p);
    }
  }
  for (void* p : blocks) H::free(p);
}

}  // namespace pmtest
