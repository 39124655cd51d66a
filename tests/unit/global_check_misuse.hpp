// Heap misuse that the runtime must catch, report on stderr ("poolmalloc" + what happened)
// and abort on. Each function is the body of a death-test child; pointers go through
// opaque() so that the compiler neither warns about nor optimises out the misuse.
#pragma once

#include <csignal>
#include <set>
#include <thread>
#include <vector>

#include "global_test_util.hpp"

namespace pmtest {

// Runs `misuse` in a re-executed child that must die of SIGABRT with the misuse message.
#define PM_EXPECT_MISUSE_ABORT(misuse) \
  EXPECT_EXIT(misuse, ::testing::KilledBySignal(SIGABRT), ::pmtest::misuse_regex())

template <class H>
void misuse_double_free(size_t n) {
  no_core_dumps();
  void* p = H::malloc(n);
  if (!p) return;  // the child then exits normally and the death test fails
  static_cast<char*>(p)[0] = 1;
  H::free(p);
  H::free(opaque(p));
}

template <class H>
void misuse_free_stack() {
  no_core_dumps();
  alignas(64) char buf[256];
  buf[0] = 1;
  H::free(opaque(static_cast<void*>(buf + 64)));
}

inline char g_static_block[4096] __attribute__((aligned(64)));

template <class H>
void misuse_free_static() {
  no_core_dumps();
  g_static_block[0] = 1;
  H::free(opaque(static_cast<void*>(g_static_block + 64)));
}

// p+16 inside a live 64-byte block: not the start of any block.
template <class H>
void misuse_free_interior() {
  no_core_dumps();
  auto* p = static_cast<char*>(H::malloc(64));
  if (!p) return;
  H::free(opaque(static_cast<void*>(p + 16)));
}

// free(a); free(b); free(a): the second free of a is not the most recent one.
template <class H>
void misuse_double_free_interleaved(size_t n) {
  no_core_dumps();
  void* a = H::malloc(n);
  void* b = H::malloc(n);
  if (!a || !b) return;
  H::free(a);
  H::free(b);
  H::free(opaque(a));
}

// A block the owner freed is freed again by another thread: the owner's next collection
// of the frees other threads sent (trim collects them) finds it free already.
template <class H>
void misuse_double_free_other_thread(size_t n) {
  no_core_dumps();
  void* a = H::malloc(n);
  if (!a) return;
  H::free(a);
  std::thread([a] { H::free(opaque(a)); }).join();
  H::trim(0);
}

// Another thread frees a, b and a again before the owner collects them: the second push
// of a rewrote its link, so the owner must stop at it rather than follow it.
template <class H>
void double_free_remote_interleaved(size_t n) {
  void* a = H::malloc(n);
  void* b = H::malloc(n);
  if (!a || !b) return;
  std::thread([a, b] {
    H::free(a);
    H::free(b);
    H::free(opaque(a));
  }).join();
  H::trim(0);
}

template <class H>
void misuse_double_free_remote_interleaved(size_t n) {
  no_core_dumps();
  double_free_remote_interleaved<H>(n);
}

// With abort_on_misuse=0: after that report the heap is still sound, so no block is
// handed out twice.
template <class H>
void misuse_warn_remote_double_free_keeps_heap(size_t n) {
  double_free_remote_interleaved<H>(n);
  std::set<void*> seen;
  std::vector<void*> blocks;
  for (int i = 0; i < 20000; ++i) {
    void* p = H::malloc(n);
    PM_CHILD_CHECK(p != nullptr);
    PM_CHILD_CHECK(seen.insert(p).second);
    blocks.push_back(p);
  }
  for (void* p : blocks) H::free(p);
  child_pass();
}

}  // namespace pmtest
