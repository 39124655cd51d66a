// mallinfo2, malloc_stats and malloc_info report the same figures as pm_stats, and the heap
// walk sees blocks from malloc and new (here those symbols are poolmalloc's).
#include <malloc.h>
#include <poolmalloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "../unit/global_test_util.hpp"

using namespace pmtest;

namespace {
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  return out;
}

// The number after `key` in s, or -1.
long long number_after(const std::string& s, const char* key) {
  size_t at = s.find(key);
  if (at == std::string::npos) return -1;
  return std::strtoll(s.c_str() + at + std::strlen(key), nullptr, 10);
}
}  // namespace

TEST(StatsGlibcReports, Mallinfo2MatchesPmStats) {
  void* small = malloc(100);
  void* large = malloc(512 * KiB);
  void* huge = malloc(8 * MiB);
  ASSERT_TRUE(small && large && huge);
  pm_stats_t s;
  ASSERT_EQ(pm_stats(&s), 0);
  struct mallinfo2 mi = mallinfo2();
  free(small);
  free(large);
  free(huge);
  EXPECT_EQ(mi.uordblks + mi.hblkhd, s.allocated);
  EXPECT_EQ(mi.hblkhd, s.huge_allocated);
  EXPECT_EQ(mi.hblks, s.huge_blocks);
  EXPECT_EQ(mi.arena, s.mapped - s.huge_allocated - s.huge_cached);
  EXPECT_EQ(mi.fordblks, mi.arena - mi.uordblks);
  EXPECT_GE(s.huge_blocks, 1u);
}

TEST(StatsGlibcReports, MallocStatsMatchesPmStats) {
  void* p = malloc(3000);
  ASSERT_NE(p, nullptr);
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  int saved = dup(2);
  ASSERT_GE(saved, 0);
  pm_stats_t s;
  ASSERT_EQ(pm_stats(&s), 0);
  dup2(fileno(tmp), 2);
  malloc_stats();  // writes with write(2): nothing allocates between the two calls
  dup2(saved, 2);
  close(saved);
  std::string out = read_all(fileno(tmp));
  std::fclose(tmp);
  free(p);
  EXPECT_EQ(number_after(out, "in use bytes     = "), (long long)s.allocated) << out;
  EXPECT_EQ(number_after(out, "system bytes     = "), (long long)s.mapped) << out;
}

TEST(StatsGlibcReports, MallocInfoMatchesPmStats) {
  FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  std::fputs("x", tmp);  // the stream's buffer exists before the figures are taken
  void* p = malloc(777);
  ASSERT_NE(p, nullptr);
  pm_stats_t s;
  ASSERT_EQ(pm_stats(&s), 0);
  ASSERT_EQ(malloc_info(0, tmp), 0);
  std::fflush(tmp);
  std::string out = read_all(fileno(tmp));
  std::fclose(tmp);
  free(p);
  EXPECT_EQ(number_after(out, "<inuse size=\""), (long long)s.allocated) << out;
  EXPECT_NE(out.find("<size from="), std::string::npos) << out;  // the classes in use
}

TEST(StatsGlibcReports, WalkSeesMallocAndNew) {
  struct Obj {
    char bytes[200];
  };
  void* m = malloc(5000);
  Obj* o = new Obj;
  int* arr = new int[100000];  // a large block
  ASSERT_NE(m, nullptr);
  struct Find {
    const void* want[3];
    int found[3];
  } f{{m, o, arr}, {0, 0, 0}};
  ASSERT_EQ(pm_heap_walk(
                [](void* p, size_t, void* arg) {
                  auto* f = static_cast<Find*>(arg);
                  for (int i = 0; i < 3; ++i) f->found[i] += p == f->want[i];
                  return 0;
                },
                &f),
            0);
  EXPECT_EQ(f.found[0], 1);
  EXPECT_EQ(f.found[1], 1);
  EXPECT_EQ(f.found[2], 1);
  free(m);
  delete o;
  delete[] arr;
}
