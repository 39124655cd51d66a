// In api_tests the exported symbols are poolmalloc's: prove it for each entry point, and that
// blocks cross freely between the exported symbols and the pm_ API.
#include <poolmalloc.h>

#include <cstring>
#include <string>

#include "api_libc_heap.hpp"

using namespace pmtest;

TEST(ApiOwns, MallocAndNewArePoolmalloc) {
  void* p = malloc(24);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pm_owns(p), 1) << "malloc is not poolmalloc's";
  free(p);
  int* i = new int(5);
  EXPECT_EQ(pm_owns(i), 1) << "operator new is not poolmalloc's";
  delete i;
}

TEST(ApiOwns, EveryEntryPointIsPoolmalloc) {
  void* p = calloc(3, 8);
  EXPECT_EQ(pm_owns(p), 1) << "calloc";
  p = realloc(p, 5000);
  EXPECT_EQ(pm_owns(p), 1) << "realloc";
  p = reallocarray(p, 10, 1000);
  EXPECT_EQ(pm_owns(p), 1) << "reallocarray";
  free(p);
  p = aligned_alloc(256, 512);
  EXPECT_EQ(pm_owns(p), 1) << "aligned_alloc";
  free(p);
  p = memalign(64, 100);
  EXPECT_EQ(pm_owns(p), 1) << "memalign";
  free(p);
  p = nullptr;
  ASSERT_EQ(posix_memalign(&p, 128, 100), 0);
  EXPECT_EQ(pm_owns(p), 1) << "posix_memalign";
  free(p);
  p = valloc(100);
  EXPECT_EQ(pm_owns(p), 1) << "valloc";
  free(p);
  p = pvalloc(100);
  EXPECT_EQ(pm_owns(p), 1) << "pvalloc";
  free(p);
  char* a = new char[100];
  EXPECT_EQ(pm_owns(a), 1) << "new[]";
  delete[] a;
  void* al = ::operator new(100, std::align_val_t(512));
  EXPECT_EQ(pm_owns(al), 1) << "aligned new";
  ::operator delete(al, std::align_val_t(512));
}

// glibc's own allocations (strdup, std::string in libstdc++) go through the exported malloc.
TEST(ApiOwns, LibraryAllocationsArePoolmalloc) {
  char* s = strdup(opaque("poolmalloc"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(pm_owns(s), 1) << "strdup";
  free(s);
  std::string big(1000, 'x');
  EXPECT_EQ(pm_owns(big.data()), 1) << "std::string";
}

// One heap: pm_free takes what malloc gave, free takes what pm_malloc gave.
TEST(ApiOwns, PmAndExportedSymbolsShareOneHeap) {
  for (size_t n : {size_t{16}, size_t{5000}, 512 * KiB, 16 * MiB}) {
    void* p = malloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(malloc_usable_size(p), pm_usable_size(p));
    pm_free(p);
    p = pm_malloc(n);
    ASSERT_NE(p, nullptr);
    p = realloc(p, n * 2);
    ASSERT_NE(p, nullptr);
    free(p);
  }
}
