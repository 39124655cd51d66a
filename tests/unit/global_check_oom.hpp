// Out of memory for real: death-test children cap RLIMIT_AS a few hundred MiB above what
// they use, then run the heap dry. Each child ends with child_pass() (exit 0, "child ok");
// a failed PM_CHILD_CHECK exits 1 and names the line. No gtest assertions in here.
#pragma once

#include <cerrno>
#include <cstring>
#include <iterator>

#include "global_test_util.hpp"

namespace pmtest {

constexpr size_t kOomHeadroom = 256 * MiB;

// Requests above the cap fail with ENOMEM through each entry point; the heap still works.
template <class H>
void oom_big_request_child() {
  auto* live = static_cast<unsigned char*>(H::malloc(1000));
  PM_CHILD_CHECK(live != nullptr);
  fill_pattern(live, 0, 1000, 4);
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));

  errno = 0;
  PM_CHILD_CHECK(H::malloc(GiB) == nullptr);
  PM_CHILD_CHECK(errno == ENOMEM);
  errno = 0;
  PM_CHILD_CHECK(H::calloc(GiB / 8, 8) == nullptr);
  PM_CHILD_CHECK(errno == ENOMEM);
  errno = 0;
  PM_CHILD_CHECK(H::aligned_alloc(4096, GiB) == nullptr);
  PM_CHILD_CHECK(errno == ENOMEM);
  void* m = live;
  PM_CHILD_CHECK(H::posix_memalign(&m, 64, GiB) == ENOMEM);
  PM_CHILD_CHECK(m == live);
  errno = 0;
  PM_CHILD_CHECK(H::realloc(live, GiB) == nullptr);
  PM_CHILD_CHECK(errno == ENOMEM);
  PM_CHILD_CHECK(first_pattern_mismatch(live, 1000, 4) == npos);

  void* p = H::malloc(MiB);
  PM_CHILD_CHECK(p != nullptr);
  std::memset(p, 1, MiB);
  H::free(p);
  H::free(live);
  child_pass();
}

// Small blocks until the heap says no (bounded), then free everything and allocate again.
inline void* g_oom_blocks[size_t{1} << 19];  // static: the array needs no heap

template <class H>
void oom_small_exhaustion_child() {
  constexpr size_t kBlock = 1000;
  constexpr size_t kMaxBlocks = std::size(g_oom_blocks);  // ~500 MiB worth: above the cap
  H::free(H::malloc(kBlock));
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));

  size_t count = 0;
  int err = 0;
  for (; count < kMaxBlocks; ++count) {
    errno = 0;
    void* p = H::malloc(kBlock);
    if (!p) {
      err = errno;
      break;
    }
    if (count % 64 == 0) std::memset(p, 0x77, kBlock);  // touch some, keep RSS low
    g_oom_blocks[count] = p;
  }
  PM_CHILD_CHECK(count < kMaxBlocks);  // it did run out
  PM_CHILD_CHECK(count > 1000);        // ... but not at once
  PM_CHILD_CHECK(err == ENOMEM);
  // Out of memory, the small and the direct-map paths fail cleanly too.
  errno = 0;
  PM_CHILD_CHECK(H::malloc(GiB) == nullptr && errno == ENOMEM);

  for (size_t i = 0; i < count; ++i) H::free(g_oom_blocks[i]);
  // Everything freed: small, large and a bigger block work again.
  for (size_t n : {size_t{16}, kBlock, 64 * KiB, MiB, 32 * MiB}) {
    errno = 0;
    void* p = H::malloc(n);
    PM_CHILD_CHECK(p != nullptr);
    std::memset(p, 0x78, n);
    H::free(p);
  }
  child_pass();
}

// Each release path really gives the memory back: the loops below allocate several times
// the capped headroom in total and would run out if any path leaked.
template <class H>
void release_paths_child() {
  H::free(H::malloc(1));
  PM_CHILD_CHECK(limit_address_space(kOomHeadroom));
  const size_t huge = 8 * MiB, large = MiB;
  for (int i = 0; i < 80; ++i) {  // 80 x 8 MiB = 640 MiB per path
    void* p;
    PM_CHILD_CHECK((p = H::malloc(huge)) != nullptr);
    static_cast<char*>(p)[huge - 1] = 1;
    H::free(p);
    PM_CHILD_CHECK((p = H::malloc(huge)) != nullptr);
    H::free_sized(p, huge);
    PM_CHILD_CHECK((p = H::calloc(huge, 1)) != nullptr);
    H::free(p);
    PM_CHILD_CHECK((p = H::aligned_alloc(64 * KiB, huge)) != nullptr);
    H::free_aligned_sized(p, 64 * KiB, huge);
    PM_CHILD_CHECK((p = H::memalign(2 * MiB, huge)) != nullptr);
    H::free(p);
    PM_CHILD_CHECK(H::posix_memalign(&p, 4096, huge) == 0);
    H::free(p);
    PM_CHILD_CHECK((p = H::valloc(huge)) != nullptr);
    H::free(p);
    PM_CHILD_CHECK((p = H::pvalloc(huge)) != nullptr);
    H::free(p);
    PM_CHILD_CHECK((p = H::malloc(huge)) != nullptr);
    PM_CHILD_CHECK((p = H::realloc(p, 2 * huge)) != nullptr);
    PM_CHILD_CHECK(H::realloc(p, 0) == nullptr);  // realloc(p, 0) frees
  }
  for (int i = 0; i < 400; ++i) {  // 400 x 1 MiB per path: the free-list arena
    void* p;
    PM_CHILD_CHECK((p = H::malloc(large)) != nullptr);
    static_cast<char*>(p)[large - 1] = 1;
    H::free_sized(p, large);
    PM_CHILD_CHECK((p = H::malloc(large + 4096)) != nullptr);
    PM_CHILD_CHECK(H::realloc(p, 0) == nullptr);
  }
  child_pass();
}

}  // namespace pmtest
