// The exported glibc-compatible symbols as a "heap" for the shared conformance checks in
// tests/unit/global_check_*.hpp. In api_tests these symbols are poolmalloc's (linked
// statically from libpoolmalloc.a; api_owns.cpp proves it).
#pragma once

#include <malloc.h>
#include <stdlib.h>

#include <new>

#include "../unit/global_test_util.hpp"

// C23 additions that glibc 2.36's headers do not declare yet; poolmalloc exports them.
extern "C" void free_sized(void* ptr, size_t size);
extern "C" void free_aligned_sized(void* ptr, size_t alignment, size_t size);

// Clang (before 19) leaves sized deallocation off by default, and libstdc++'s <new> then
// omits the sized deletes; they are still replaceable functions poolmalloc defines.
#ifndef __cpp_sized_deallocation
void operator delete(void* p, std::size_t size) noexcept;
void operator delete[](void* p, std::size_t size) noexcept;
void operator delete(void* p, std::size_t size, std::align_val_t align) noexcept;
void operator delete[](void* p, std::size_t size, std::align_val_t align) noexcept;
#endif

struct LibcHeap {
  static void* malloc(size_t n) { return ::malloc(n); }
  static void* calloc(size_t c, size_t n) { return ::calloc(c, n); }
  static void* realloc(void* p, size_t n) { return ::realloc(p, n); }
  static void* reallocarray(void* p, size_t c, size_t n) { return ::reallocarray(p, c, n); }
  static void free(void* p) { ::free(p); }
  static void free_sized(void* p, size_t n) { ::free_sized(p, n); }
  static void free_aligned_sized(void* p, size_t a, size_t n) { ::free_aligned_sized(p, a, n); }
  static void* aligned_alloc(size_t a, size_t n) { return ::aligned_alloc(a, n); }
  static void* memalign(size_t a, size_t n) { return ::memalign(a, n); }
  static int posix_memalign(void** m, size_t a, size_t n) { return ::posix_memalign(m, a, n); }
  static void* valloc(size_t n) { return ::valloc(n); }
  static void* pvalloc(size_t n) { return ::pvalloc(n); }
  static size_t usable_size(void* p) { return ::malloc_usable_size(p); }
  static int trim(size_t pad) { return ::malloc_trim(pad); }

  // Each aligned entry point, C and C++, with its matching release.
  static constexpr pmtest::AlignedEntry aligned_entries[] = {
      {"aligned_alloc", [](size_t a, size_t n) { return ::aligned_alloc(a, n); },
       [](void* p, size_t a, size_t n) { ::free_aligned_sized(p, a, n); }},
      {"memalign", [](size_t a, size_t n) { return ::memalign(a, n); },
       [](void* p, size_t, size_t) { ::free(p); }},
      {"posix_memalign",
       [](size_t a, size_t n) {
         void* p = nullptr;
         return ::posix_memalign(&p, a, n) == 0 ? p : nullptr;
       },
       [](void* p, size_t, size_t) { ::free(p); }},
      {"operator new(size, align)",
       [](size_t a, size_t n) { return ::operator new(n, std::align_val_t(a)); },
       [](void* p, size_t a, size_t n) { ::operator delete(p, n, std::align_val_t(a)); }},
      {"operator new[](size, align, nothrow)",
       [](size_t a, size_t n) { return ::operator new[](n, std::align_val_t(a), std::nothrow); },
       [](void* p, size_t a, size_t) { ::operator delete[](p, std::align_val_t(a)); }},
  };
};
