// Running the heap dry through every entry point and size range, under a capped address
// space (RLIMIT_AS) or under poolmalloc's reserve_limit. Each case allocates until the heap
// says no, which must be NULL with ENOMEM and never a hang (an alarm kills a child that
// hangs, so the death test fails instead of waiting forever); after everything is freed a
// 64 MiB block must be served again.
#pragma once

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "global_test_util.hpp"

namespace pmtest {

constexpr unsigned kOomDeadlineSeconds = 30;
constexpr size_t kOomExhaustHeadroom = 256 * MiB;
// Enough slots for 256 MiB of 64-byte blocks with room to spare (static: no heap needed).
constexpr size_t kOomSlots = size_t{1} << 23;
inline void* g_oom_exhaust[kOomSlots];

enum class OomEntry { kMalloc, kCalloc, kAligned };

struct OomCase {
  OomEntry entry;
  size_t size;
  size_t align;  // kAligned only
};

// Allocates until failure into slots [from, to); returns the count, the failure's errno in *err.
template <class H>
size_t exhaust(const OomCase& c, size_t from, size_t to, int* err) {
  size_t n = from;
  *err = 0;
  for (; n < to; ++n) {
    errno = 0;
    void* p = nullptr;
    switch (c.entry) {
      case OomEntry::kMalloc: p = H::malloc(c.size); break;
      case OomEntry::kCalloc: p = H::calloc(1, c.size); break;
      case OomEntry::kAligned: p = H::aligned_alloc(c.align, c.size); break;
    }
    if (!p) {
      *err = errno;
      break;
    }
    if (c.entry == OomEntry::kAligned && (reinterpret_cast<uintptr_t>(p) & (c.align - 1))) {
      child_fail(__LINE__, "aligned_alloc returned a misaligned block");
    }
    static_cast<char*>(p)[0] = 1;  // touch one byte: RSS stays low, the mapping is real
    g_oom_exhaust[n] = p;
  }
  return n - from;
}

template <class H>
void free_slots(size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    H::free(g_oom_exhaust[i]);
    g_oom_exhaust[i] = nullptr;
  }
}

// After the heap ran dry and was emptied again, a big block must be served.
template <class H>
void check_recovered() {
  errno = 0;
  void* big = H::malloc(64 * MiB);
  PM_CHILD_CHECK(big != nullptr);
  std::memset(big, 0x5a, 64 * MiB);
  H::free(big);
}

// cap_address_space: RLIMIT_AS; otherwise the parent set reserve_limit in the environment.
template <class H>
void oom_exhaust_child(OomCase c, bool cap_address_space) {
  alarm(kOomDeadlineSeconds);
  H::free(H::malloc(64));
  if (cap_address_space) PM_CHILD_CHECK(limit_address_space(kOomExhaustHeadroom));
  int err = 0;
  size_t n = exhaust<H>(c, 0, kOomSlots, &err);
  PM_CHILD_CHECK(n < kOomSlots);  // it did run out ...
  PM_CHILD_CHECK(err == ENOMEM);  // ... with ENOMEM
  PM_CHILD_CHECK(n > 0 || c.size >= 16 * MiB);
  free_slots<H>(0, n);
  check_recovered<H>();
  child_pass();
}

// realloc doubling until it fails: NULL, ENOMEM, and the old block intact.
template <class H>
void oom_realloc_child(bool cap_address_space) {
  alarm(kOomDeadlineSeconds);
  H::free(H::malloc(64));
  if (cap_address_space) PM_CHILD_CHECK(limit_address_space(kOomExhaustHeadroom));
  size_t size = 1000;
  auto* p = static_cast<unsigned char*>(H::malloc(size));
  PM_CHILD_CHECK(p != nullptr);
  fill_pattern(p, 0, size, 9);
  for (;;) {
    errno = 0;
    auto* q = static_cast<unsigned char*>(H::realloc(p, size * 2));
    if (!q) {
      PM_CHILD_CHECK(errno == ENOMEM);
      PM_CHILD_CHECK(first_pattern_mismatch(p, size, 9) == npos);
      break;
    }
    fill_pattern(q, size, size * 2, 9);
    p = q;
    size *= 2;
    PM_CHILD_CHECK(size <= 64 * GiB);
  }
  H::free(p);
  check_recovered<H>();
  child_pass();
}

template <class H>
struct OomThreadArg {
  OomCase c;
  size_t from, to, count;
  int err;
  pthread_barrier_t* start;
};

template <class H>
void* oom_thread_main(void* raw) {
  auto* a = static_cast<OomThreadArg<H>*>(raw);
  pthread_barrier_wait(a->start);  // both threads and the cap exist before either starts
  a->count = exhaust<H>(a->c, a->from, a->to, &a->err);
  return nullptr;
}

// Two threads run the heap dry at once.
template <class H>
void oom_two_threads_child(size_t size, bool cap_address_space) {
  alarm(kOomDeadlineSeconds);
  H::free(H::malloc(64));
  pthread_t t[2];
  OomThreadArg<H> args[2];
  pthread_barrier_t start;
  pthread_barrier_init(&start, nullptr, 3);
  for (int i = 0; i < 2; ++i) {
    args[i] = OomThreadArg<H>{OomCase{OomEntry::kMalloc, size, 0}, kOomSlots / 2 * i,
                              kOomSlots / 2 * (i + 1), 0, 0, &start};
  }
  // The threads (their stacks, libc's per-thread state) exist before the cap: what runs
  // out is the heap, not pthread_create.
  for (int i = 0; i < 2; ++i)
    PM_CHILD_CHECK(pthread_create(&t[i], nullptr, oom_thread_main<H>, &args[i]) == 0);
  if (cap_address_space) PM_CHILD_CHECK(limit_address_space(kOomExhaustHeadroom));
  pthread_barrier_wait(&start);
  for (int i = 0; i < 2; ++i) PM_CHILD_CHECK(pthread_join(t[i], nullptr) == 0);
  for (int i = 0; i < 2; ++i) {
    PM_CHILD_CHECK(args[i].count < kOomSlots / 2);
    PM_CHILD_CHECK(args[i].err == ENOMEM);
    free_slots<H>(args[i].from, args[i].from + args[i].count);
  }
  check_recovered<H>();
  child_pass();
}

}  // namespace pmtest
