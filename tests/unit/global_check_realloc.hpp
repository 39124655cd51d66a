// realloc keeps contents while blocks move between size classes and allocator parts
// (pool -> free-list arena -> direct map and back), checked byte by byte.
#pragma once

#include <cerrno>
#include <cstdint>
#include <initializer_list>

#include "global_test_util.hpp"

namespace pmtest {

// Walks one block through `sizes` with realloc. The pattern depends on the offset only, so a
// block that moved still matches; every byte kept by each step is checked.
template <class H>
void realloc_walk(const std::initializer_list<size_t>& sizes, unsigned seed) {
  void* p = nullptr;
  size_t have = 0;  // bytes that carry the pattern
  for (size_t n : sizes) {
    SCOPED_TRACE(testing::Message() << "realloc " << have << " -> " << n);
    void* q = H::realloc(p, n);
    ASSERT_NE(q, nullptr);
    ASSERT_GE(H::usable_size(q), n);
    const size_t kept = have < n ? have : n;
    ASSERT_EQ(first_pattern_mismatch(q, kept, seed), npos);
    fill_pattern(q, kept, n, seed);
    p = q;
    have = n;
  }
  ASSERT_EQ(first_pattern_mismatch(p, have, seed), npos);
  H::free(p);
}

template <class H>
void check_realloc_across_classes() {
  realloc_walk<H>({16, 4 * KiB, 200 * KiB, 8 * MiB, 64 * KiB, 24}, 1);
  // The same walk one byte off every boundary, and a few more transitions.
  realloc_walk<H>({17, 4 * KiB + 1, 200 * KiB - 1, 8 * MiB + 1, 64 * KiB - 1, 23}, 2);
  realloc_walk<H>({1, 2, 3, 8, 15, 16, 31, 32, 48, 64, 80, 96, 128, 1000, 1024, 1025}, 3);
  realloc_walk<H>({24 * MiB, 9 * MiB, 40 * MiB, 300 * KiB, 2 * MiB, 1}, 4);
  realloc_walk<H>({100, 100, 99, 101, 100}, 5);
}

// Shrinking then growing back within the usable size must keep the bytes too.
template <class H>
void check_realloc_shrink_then_grow() {
  for (size_t n : {size_t{1000}, 100 * KiB, 10 * MiB}) {
    SCOPED_TRACE(n);
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    fill_pattern(p, 0, n, 6);
    p = H::realloc(p, n / 3);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(first_pattern_mismatch(p, n / 3, 6), npos);
    p = H::realloc(p, n);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(first_pattern_mismatch(p, n / 3, 6), npos);
    H::free(p);
  }
}

// Many blocks grown in turn, so realloc cannot always grow in place: neighbours are live.
template <class H>
void check_realloc_interleaved() {
  constexpr int kBlocks = 32;
  void* blocks[kBlocks] = {};
  size_t sizes[kBlocks] = {};
  for (int round = 0; round < 12; ++round) {
    for (int i = 0; i < kBlocks; ++i) {
      size_t n = (size_t{24} << round) + static_cast<size_t>(i) * 8;
      void* q = H::realloc(blocks[i], n);
      ASSERT_NE(q, nullptr);
      ASSERT_EQ(first_pattern_mismatch(q, sizes[i], static_cast<unsigned>(i)), npos)
          << "block " << i << " round " << round;
      fill_pattern(q, sizes[i], n, static_cast<unsigned>(i));
      blocks[i] = q;
      sizes[i] = n;
    }
  }
  for (int i = 0; i < kBlocks; ++i) {
    ASSERT_EQ(first_pattern_mismatch(blocks[i], sizes[i], static_cast<unsigned>(i)), npos);
    H::free(blocks[i]);
  }
}

}  // namespace pmtest
