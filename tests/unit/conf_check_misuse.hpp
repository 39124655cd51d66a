// Foreign and stale pointers (the policy in README.md, "Errors"): free or realloc of an
// address poolmalloc did not hand out -- mmap'ed memory, the inside of a large or huge block,
// a huge block already unmapped -- is reported on stderr and aborts by default;
// abort_on_misuse=0 reports it and ignores the call. Death-test bodies, as in
// global_check_misuse.hpp; pointers go through opaque() so the compiler keeps the misuse.
#pragma once

#include <sys/mman.h>

#include <csignal>
#include <cstring>

#include "global_check_misuse.hpp"

namespace pmtest {

inline void* map_foreign(size_t n) {
  void* m = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return m == MAP_FAILED ? nullptr : m;
}

template <class H>
void misuse_free_mmapped() {
  no_core_dumps();
  auto* m = static_cast<char*>(map_foreign(64 * KiB));
  if (!m) return;
  m[0] = 1;
  H::free(opaque(static_cast<void*>(m + 4096)));
}

// A whole 4 MiB-aligned foreign mapping: aligned like poolmalloc's own segments.
template <class H>
void misuse_free_mmapped_segment_aligned() {
  no_core_dumps();
  auto* m = static_cast<char*>(map_foreign(12 * MiB));
  if (!m) return;
  auto a = (reinterpret_cast<uintptr_t>(m) + 4 * MiB - 1) & ~uintptr_t{4 * MiB - 1};
  auto* p = reinterpret_cast<char*>(a);
  p[0] = 1;
  H::free(opaque(static_cast<void*>(p)));
}

template <class H>
void misuse_realloc_mmapped() {
  no_core_dumps();
  auto* m = static_cast<char*>(map_foreign(64 * KiB));
  if (!m) return;
  std::memset(m, 1, 64);
  (void)!H::realloc(opaque(static_cast<void*>(m)), 128);
}

// A page-aligned address inside a live large block, and one inside a live huge block.
template <class H>
void misuse_free_inside_large() {
  no_core_dumps();
  auto* p = static_cast<char*>(H::malloc(300 * KiB));
  if (!p) return;
  H::free(opaque(static_cast<void*>(p + 8 * KiB)));
}

template <class H>
void misuse_free_inside_huge() {
  no_core_dumps();
  auto* p = static_cast<char*>(H::malloc(20 * MiB));
  if (!p) return;
  H::free(opaque(static_cast<void*>(p + 4096)));
}

// A huge block freed and then unmapped (trim empties any cache); its address is freed again.
template <class H>
void misuse_free_unmapped_huge() {
  no_core_dumps();
  void* p = H::malloc(20 * MiB);
  if (!p) return;
  static_cast<char*>(p)[0] = 1;
  H::free(p);
  H::trim(0);
  H::free(opaque(p));
}

template <class H>
void misuse_double_free_huge() {
  no_core_dumps();
  void* p = H::malloc(20 * MiB);
  if (!p) return;
  H::free(p);
  H::free(opaque(p));
}

// In warn mode (abort_on_misuse=0, set in the environment before the child starts) the bad
// frees are reported, ignored, and the heap goes on working: no block is handed out twice.
template <class H>
void misuse_warn_mode_continues() {
  char on_stack[256];
  on_stack[0] = 1;
  auto* m = static_cast<char*>(map_foreign(64 * KiB));
  PM_CHILD_CHECK(m != nullptr);
  H::free(opaque(static_cast<void*>(on_stack + 16)));
  H::free(opaque(static_cast<void*>(m)));
  auto* big = static_cast<char*>(H::malloc(300 * KiB));
  PM_CHILD_CHECK(big != nullptr);
  H::free(opaque(static_cast<void*>(big + 8 * KiB)));
  void* a = H::malloc(64);
  void* b = H::malloc(64);
  PM_CHILD_CHECK(a && b && a != b);
  fill_pattern(big, 0, 300 * KiB, 3);
  H::free(a);
  H::free(b);
  PM_CHILD_CHECK(first_pattern_mismatch(big, 300 * KiB, 3) == npos);
  H::free(big);
  PM_CHILD_CHECK(m[0] == 0);  // the foreign mapping was not written to
  child_pass();
}

}  // namespace pmtest
