// The pm_ API as a "heap" for the shared conformance checks (tests/unit/global_check_*.hpp).
// tests/api/api_libc_heap.hpp is the same interface over the exported symbols.
#pragma once

#include <poolmalloc.h>

#include "global_test_util.hpp"

struct PmHeap {
  static void* malloc(size_t n) { return pm_malloc(n); }
  static void* calloc(size_t c, size_t n) { return pm_calloc(c, n); }
  static void* realloc(void* p, size_t n) { return pm_realloc(p, n); }
  static void* reallocarray(void* p, size_t c, size_t n) { return pm_reallocarray(p, c, n); }
  static void free(void* p) { pm_free(p); }
  static void free_sized(void* p, size_t n) { pm_free_sized(p, n); }
  static void free_aligned_sized(void* p, size_t a, size_t n) { pm_free_aligned_sized(p, a, n); }
  static void* aligned_alloc(size_t a, size_t n) { return pm_aligned_alloc(a, n); }
  static void* memalign(size_t a, size_t n) { return pm_memalign(a, n); }
  static int posix_memalign(void** m, size_t a, size_t n) { return pm_posix_memalign(m, a, n); }
  static void* valloc(size_t n) { return pm_valloc(n); }
  static void* pvalloc(size_t n) { return pm_pvalloc(n); }
  static size_t usable_size(void* p) { return pm_usable_size(p); }
  static int trim(size_t pad) { return pm_trim(pad); }

  // Each aligned entry point with its release (C23 free_aligned_sized for aligned_alloc).
  static constexpr pmtest::AlignedEntry aligned_entries[] = {
      {"pm_aligned_alloc", [](size_t a, size_t n) { return pm_aligned_alloc(a, n); },
       [](void* p, size_t a, size_t n) { pm_free_aligned_sized(p, a, n); }},
      {"pm_memalign", [](size_t a, size_t n) { return pm_memalign(a, n); },
       [](void* p, size_t, size_t) { pm_free(p); }},
      {"pm_posix_memalign",
       [](size_t a, size_t n) {
         void* p = nullptr;
         return pm_posix_memalign(&p, a, n) == 0 ? p : nullptr;
       },
       [](void* p, size_t, size_t) { pm_free(p); }},
  };
};
