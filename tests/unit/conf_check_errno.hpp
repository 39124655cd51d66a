// free never changes errno (glibc guarantees it since 2.33 and programs rely on it around
// cleanup code), whatever the block and whatever work the free triggers: every pool class,
// pages emptied and retired, large spans merged, huge mappings cached or unmapped, frees
// from a thread that does not own the block, and realloc(p, 0).
#pragma once

#include <cerrno>
#include <thread>
#include <vector>

#include "conf_check_util.hpp"

namespace pmtest {

constexpr int kErrnoSentinels[] = {0, EILSEQ, ENOMEM, EINTR};

// Releases p with errno set to each sentinel in turn (one release per call, the sentinel
// picked by `turn`) and fails unless errno comes back unchanged.
template <class H>
void free_expect_errno(void* p, size_t n, int turn, const char* what) {
  const int err = kErrnoSentinels[turn % 4];
  errno = err;
  if (turn % 3 == 2) H::free_sized(p, n);
  else H::free(p);
  const int got = errno;
  ASSERT_EQ(got, err) << what << " of a " << n << "-byte block changed errno";
}

// Every pool class: more than two pages' worth of blocks, freed in an order that empties
// whole pages (the retire path) as well as single blocks.
template <class H>
void check_free_errno_every_class() {
  for (size_t n : pool_class_sizes<H>()) {
    const size_t page = n <= 8 * KiB ? 64 * KiB : 512 * KiB;
    size_t count = 2 * page / n + 3;
    if (count > 9000) count = 9000;
    std::vector<void*> blocks(count);
    for (void*& p : blocks) {
      p = H::malloc(n);
      ASSERT_NE(p, nullptr) << n;
      static_cast<char*>(p)[n - 1] = 1;
    }
    // odd ones first (pages stay in use), then the even ones (pages empty out)
    for (size_t i = 1; i < count; i += 2) free_expect_errno<H>(blocks[i], n, int(i), "free");
    for (size_t i = 0; i < count; i += 2) free_expect_errno<H>(blocks[i], n, int(i), "free");
    if (testing::Test::HasFatalFailure()) return;
  }
}

// Large spans (neighbours merging on free) and huge mappings: cached, more than the cache
// holds, and one far above any cache limit (never touched, so it costs address space only).
template <class H>
void check_free_errno_large_and_huge() {
  std::vector<void*> blocks;
  std::vector<size_t> sizes;
  for (int round = 0; round < 3; ++round)
    for (size_t n : kConfLargeSizes) {
      blocks.push_back(H::malloc(n));
      sizes.push_back(n);
    }
  for (int i = 0; i < 12; ++i) {  // more huge blocks than a mapping cache keeps
    blocks.push_back(H::malloc(kConfHugeSizes[i % 3]));
    sizes.push_back(kConfHugeSizes[i % 3]);
  }
  blocks.push_back(H::malloc(600 * MiB));
  sizes.push_back(600 * MiB);
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_NE(blocks[i], nullptr) << sizes[i];
    static_cast<char*>(blocks[i])[0] = 1;
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    free_expect_errno<H>(blocks[i], sizes[i], int(i), "free");
    if (testing::Test::HasFatalFailure()) return;
  }
  // Again after trim emptied the caches: frees that unmap at once.
  H::trim(0);
  for (size_t n : {kConfHugeSizes[0], kConfHugeSizes[2], size_t{600} * MiB}) {
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    H::trim(0);
    free_expect_errno<H>(p, n, 1, "free after trim");
  }
}

// Aligned blocks through free_aligned_sized.
template <class H>
void check_free_aligned_errno() {
  for (size_t a : {size_t{64}, size_t{4096}, 64 * KiB, 2 * MiB, 8 * MiB}) {
    for (size_t n : {size_t{24}, 5000 + a, 3 * MiB, 17 * MiB}) {
      void* p = H::aligned_alloc(a, n);
      ASSERT_NE(p, nullptr) << a << " " << n;
      errno = EILSEQ;
      H::free_aligned_sized(p, a, n);
      ASSERT_EQ(errno, EILSEQ) << "free_aligned_sized(" << a << ", " << n << ")";
    }
  }
}

// Blocks allocated by another thread (which is gone by then, so its heap is orphaned) and
// freed here: the remote path.
template <class H>
void check_free_errno_foreign_thread() {
  std::vector<void*> blocks;
  std::vector<size_t> sizes;
  std::thread([&] {
    for (size_t n : pool_class_sizes<H>())
      for (int i = 0; i < 3; ++i) {
        blocks.push_back(H::malloc(n));
        sizes.push_back(n);
      }
    for (size_t n : kConfLargeSizes) {
      blocks.push_back(H::malloc(n));
      sizes.push_back(n);
    }
    blocks.push_back(H::malloc(kConfHugeSizes[0]));
    sizes.push_back(kConfHugeSizes[0]);
  }).join();
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_NE(blocks[i], nullptr);
    free_expect_errno<H>(blocks[i], sizes[i], int(i), "free from another thread");
    if (testing::Test::HasFatalFailure()) return;
  }
}

// realloc(p, 0) frees p like free does, so it keeps errno too (glibc: the same free path).
template <class H>
void check_realloc_zero_errno() {
  std::vector<size_t> sizes = {1, 100, 5000};
  for (size_t n : kConfLargeSizes) sizes.push_back(n);
  sizes.push_back(kConfHugeSizes[0]);
  for (size_t n : sizes) {
    void* p = H::malloc(n);
    ASSERT_NE(p, nullptr);
    errno = EILSEQ;
    EXPECT_EQ(H::realloc(p, opaque(size_t{0})), nullptr);
    EXPECT_EQ(errno, EILSEQ) << "realloc(" << n << "-byte block, 0) changed errno";
  }
}

}  // namespace pmtest
