// The glibc-internal aliases (__libc_malloc family, __posix_memalign) and cfree are exported
// too, so that static links never pull glibc's malloc.o: each is poolmalloc's.
#include <poolmalloc.h>

#include <cerrno>
#include <cstring>

#include "api_libc_heap.hpp"

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* __libc_valloc(size_t);
void* __libc_pvalloc(size_t);
int __posix_memalign(void**, size_t, size_t);
void cfree(void*);
}

using namespace pmtest;

TEST(ApiAliases, LibcAliasesArePoolmalloc) {
  void* p = __libc_malloc(100);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pm_owns(p), 1) << "__libc_malloc";
  p = __libc_realloc(p, 10000);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(pm_owns(p), 1) << "__libc_realloc";
  __libc_free(p);

  auto* z = static_cast<unsigned char*>(__libc_calloc(10, 10));
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(pm_owns(z), 1) << "__libc_calloc";
  EXPECT_EQ(first_nonzero(z, 100), npos);
  free(z);

  p = __libc_memalign(512, 100);
  EXPECT_EQ(pm_owns(p), 1) << "__libc_memalign";
  EXPECT_TRUE(is_aligned(p, 512));
  cfree(p);
  p = __libc_valloc(100);
  EXPECT_EQ(pm_owns(p), 1) << "__libc_valloc";
  EXPECT_TRUE(is_aligned(p, 4096));
  __libc_free(p);
  p = __libc_pvalloc(100);
  EXPECT_EQ(pm_owns(p), 1) << "__libc_pvalloc";
  EXPECT_GE(malloc_usable_size(p), 4096u);
  __libc_free(p);

  p = nullptr;
  ASSERT_EQ(__posix_memalign(&p, 1024, 100), 0);
  EXPECT_EQ(pm_owns(p), 1) << "__posix_memalign";
  EXPECT_TRUE(is_aligned(p, 1024));
  free(p);
  void* const sentinel = &p;
  void* q = sentinel;
  EXPECT_EQ(__posix_memalign(&q, 24, 100), EINVAL);
  EXPECT_EQ(q, sentinel);
}

TEST(ApiAliases, AliasesFailLikeTheirFunctions) {
  errno = 0;
  EXPECT_EQ(__libc_malloc(opaque(SIZE_MAX)), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(__libc_calloc(opaque(SIZE_MAX / 2), 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = EILSEQ;
  __libc_free(nullptr);
  cfree(nullptr);
  EXPECT_EQ(errno, EILSEQ);
}
