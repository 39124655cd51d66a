// Heap misuse that the runtime must catch, report on stderr ("poolmalloc" + what happened)
// and abort on. Each function is the body of a death-test child; pointers go through
// opaque() so that the compiler neither warns about nor optimises out the misuse.
#pragma once

#include <csignal>

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

}  // namespace pmtest
