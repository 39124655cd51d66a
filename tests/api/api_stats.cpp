// mallinfo2 / mallinfo / malloc_stats / malloc_info / malloc_trim report real figures.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "../unit/global_check_semantics.hpp"
#include "api_libc_heap.hpp"

using namespace pmtest;

namespace {

// Bytes in use. glibc counts direct mappings in hblkhd rather than uordblks; for the sizes
// that may be mapped directly the checks take the sum, so either convention passes.
size_t in_use(bool with_mapped) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + (with_mapped ? mi.hblkhd : 0);
}

// Allocating `count` blocks of `size` raises the figure by at least count*size; freeing
// them lowers it by at least as much.
void check_grows_and_falls(size_t count, size_t size, bool with_mapped) {
  SCOPED_TRACE(testing::Message() << count << " x " << size << " bytes");
  const size_t total = count * size;
  const size_t before = in_use(with_mapped);
  std::vector<void*> blocks(count);
  for (void*& p : blocks) {
    p = malloc(size);
    ASSERT_NE(p, nullptr);
    std::memset(p, 1, size);
  }
  const size_t held = in_use(with_mapped);
  EXPECT_GE(held, before + total) << "before " << before << ", held " << held;
  for (void* p : blocks) free(p);
  const size_t after = in_use(with_mapped);
  EXPECT_LE(after + total, held) << "held " << held << ", after free " << after;
}

// Runs fn with file descriptor 2 sent to a temporary file; returns what was written.
std::string capture_stderr(void (*fn)()) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  if (!tmp) return "";
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  fn();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string out;
  char buf[4096];
  lseek(fileno(tmp), 0, SEEK_SET);
  for (ssize_t n; (n = read(fileno(tmp), buf, sizeof buf)) > 0;) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

}  // namespace

TEST(ApiStats, Mallinfo2CountsSmallBlocks) { check_grows_and_falls(4096, 64, false); }
TEST(ApiStats, Mallinfo2CountsMediumBlocks) { check_grows_and_falls(4, 64 * KiB, false); }
TEST(ApiStats, Mallinfo2CountsLargeBlocks) { check_grows_and_falls(2, MiB, true); }
TEST(ApiStats, Mallinfo2CountsHugeBlocks) { check_grows_and_falls(1, 16 * MiB, true); }

TEST(ApiStats, Mallinfo2FiguresAreConsistent) {
  void* p = malloc(100 * KiB);
  ASSERT_NE(p, nullptr);
  struct mallinfo2 mi = mallinfo2();
  EXPECT_GT(mi.uordblks + mi.hblkhd, 0u);
  // The memory obtained from the system covers the memory in use.
  EXPECT_GE(mi.arena + mi.hblkhd, mi.uordblks);
  free(p);
}

// The legacy mallinfo (int fields) tracks the same figure.
TEST(ApiStats, MallinfoLegacyCountsToo) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const long before = mallinfo().uordblks;
  void* p = malloc(64 * KiB);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 64 * KiB);
  const long held = mallinfo().uordblks;
  free(p);
#pragma GCC diagnostic pop
  EXPECT_GE(held, before + static_cast<long>(64 * KiB));
}

TEST(ApiStats, MallocStatsPrintsFigures) {
  void* p = malloc(1000);
  std::string out = capture_stderr([] { malloc_stats(); });
  free(p);
  EXPECT_FALSE(out.empty());
  EXPECT_NE(out.find_first_of("0123456789"), std::string::npos) << out;
}

TEST(ApiStats, MallocInfoWritesXml) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(malloc_info(0, f), 0);
  std::fclose(f);
  ASSERT_NE(buf, nullptr);
  EXPECT_NE(std::strstr(buf, "<malloc"), nullptr) << buf;
  free(buf);  // open_memstream's buffer came from the exported malloc
}

TEST(ApiStats, MallocTrimReturnsZeroOrOne) { check_trim<LibcHeap>(); }
