// Under AddressSanitizer (make test-asan) the arenas poison the memory they have not handed
// out: each test touches such memory and expects ASan's report. Elsewhere they are skipped.
#include <gtest/gtest.h>

#include <cstring>

#include "poolmalloc.hpp"

namespace {

#if PM_ARENAS_ASAN
#define PM_ASAN_ONLY()                               \
  GTEST_FLAG_SET(death_test_style, "threadsafe")
#else
#define PM_ASAN_ONLY() GTEST_SKIP() << "needs an AddressSanitizer build (make test-asan)"
#endif

void touch(void *p) { *static_cast<volatile char *>(p) = 1; }
char peek(const void *p) { return *static_cast<const volatile char *>(p); }

constexpr const char *kReport = "AddressSanitizer: use-after-poison";

TEST(ArenasAsan, BumpSpaceAfterResetAndRewindIsPoisoned) {
  PM_ASAN_ONLY();
  pm::BumpArena a(4096);
  char *p = static_cast<char *>(a.alloc({64, 8}).ptr);
  ASSERT_NE(p, nullptr);
  touch(p + 63);  // handed out: fine
  EXPECT_DEATH(touch(p + 64), kReport);  // past the block: not handed out
  a.reset();
  EXPECT_DEATH(touch(p), kReport);
  pm::BumpMark m = a.mark();
  char *q = static_cast<char *>(a.alloc({32, 8}).ptr);
  touch(q);
  ASSERT_TRUE(a.rewind(m));
  EXPECT_DEATH(peek(q), kReport);
  // Growing arenas: the chunks too.
  pm::BumpArena g(pm::BumpGrowth{.chunk_size = 4096});
  char *r = nullptr;
  for (int i = 0; i < 10; i++) r = static_cast<char *>(g.alloc({1000, 8}).ptr);
  touch(r);
  g.reset();
  EXPECT_DEATH(touch(r), kReport);
}

TEST(ArenasAsan, PoppedStackBlocksArePoisoned) {
  PM_ASAN_ONLY();
  pm::StackArena s(4096);
  char *a = static_cast<char *>(s.alloc({100, 16}).ptr);
  char *b = static_cast<char *>(s.alloc({100, 16}).ptr);
  touch(a);
  touch(b + 99);
  EXPECT_DEATH(touch(b + 100), kReport);
  ASSERT_TRUE(s.pop());
  EXPECT_DEATH(touch(b), kReport);
  touch(a + 99);
  s.reset();
  EXPECT_DEATH(peek(a), kReport);
}

TEST(ArenasAsan, FreePoolBlocksArePoisoned) {
  PM_ASAN_ONLY();
  pm::Pool pool(64, 16);
  char *p = static_cast<char *>(pool.alloc());
  touch(p + 63);
  ASSERT_TRUE(pool.dealloc(p));
  EXPECT_DEATH(touch(p + 8), kReport);
  EXPECT_DEATH(peek(p + 64), kReport);  // a block never handed out
  char *again = static_cast<char *>(pool.alloc());
  EXPECT_EQ(again, p);
  touch(again);
}

TEST(ArenasAsan, FreeListFreeBlocksArePoisoned) {
  PM_ASAN_ONLY();
  for (bool quick : {true, false}) {
    pm::FreeListArena a(1 << 16, pm::FreeListOptions{.quick = quick});
    char *x = static_cast<char *>(a.malloc(200));
    char *y = static_cast<char *>(a.malloc(200));
    touch(x + 199);
    ASSERT_TRUE(a.free(x));
    EXPECT_DEATH(touch(x + 100), kReport);
    EXPECT_FALSE(a.free(x));  // the arena's own checks still answer
    EXPECT_DEATH(touch(y + a.usable_size(y) + 64), kReport);  // the untouched space
    ASSERT_TRUE(a.free(y));
    EXPECT_DEATH(peek(y + 50), kReport);
    char *z = static_cast<char *>(a.malloc(200));
    touch(z + 199);
  }
}

TEST(ArenasAsan, FreeListDetachUnpoisonsForACopy) {
  PM_ASAN_ONLY();
  pm::FreeListArena a(1 << 14);
  void *p = a.malloc(100);
  ASSERT_TRUE(a.free(a.malloc(300)));
  std::memset(p, 7, 100);
  std::span<std::byte> buf = a.detach();
  std::vector<std::byte> copy(buf.begin(), buf.end());  // reads the whole buffer
  auto b = pm::FreeListArena::attach(buf, true);
  ASSERT_TRUE(b.valid());
  EXPECT_DEATH(touch(static_cast<char *>(p) + 200), kReport);  // free again after attach
}

}  // namespace
