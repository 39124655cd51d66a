// Helpers for the statistics and heap-walk suites (tests/unit/stats_*.cpp).
//
// In build/tests/unit_tests malloc and new are poolmalloc's too (the archive's interpose
// object is linked in), so the exact checks keep everything that could allocate (gtest
// messages, vectors, thread creation) outside the window between two pm_stats calls.
#pragma once

#include <gtest/gtest.h>
#include <poolmalloc.h>
#include <pthread.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace stats_test {

constexpr size_t KiB = size_t{1} << 10;
constexpr size_t MiB = size_t{1} << 20;

inline pm_stats_t snapshot() {
  pm_stats_t s;
  EXPECT_EQ(pm_stats(&s), 0);
  return s;
}

// Index of the pool class whose block size is `block`, or -1.
inline int class_of_block(const pm_stats_t& s, size_t block) {
  for (unsigned c = 0; c < s.nclasses; ++c)
    if (s.classes[c].block_size == block) return int(c);
  return -1;
}

// A pthread barrier for `parties` threads, destroyed with its scope.
struct Barrier {
  explicit Barrier(unsigned parties) { pthread_barrier_init(&b, nullptr, parties); }
  ~Barrier() { pthread_barrier_destroy(&b); }
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  void wait() { pthread_barrier_wait(&b); }
  pthread_barrier_t b;
};

// Memory straight from mmap, so test bookkeeping never shows up in the heap's figures.
template <class T>
struct MappedArray {
  explicit MappedArray(size_t n) : count(n) {
    void* p = mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data = p == MAP_FAILED ? nullptr : static_cast<T*>(p);
  }
  ~MappedArray() {
    if (data) munmap(data, count * sizeof(T));
  }
  MappedArray(const MappedArray&) = delete;
  MappedArray& operator=(const MappedArray&) = delete;
  T& operator[](size_t i) { return data[i]; }
  T* data;
  size_t count;
};

// A size for block i of a mixed workload: mostly pool sizes, some large ones.
inline size_t mixed_size(size_t i) {
  static const size_t kSizes[] = {1, 8, 16, 24, 48, 100, 128, 200, 512, 1000, 1024, 1500,
                                  4000, 8192, 9000, 30000, 65536, 70000, 200 * 1024};
  return kSizes[i % (sizeof kSizes / sizeof kSizes[0])];
}

}  // namespace stats_test
