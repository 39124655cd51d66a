// pm_stats_write / pm_stats_print: the text and JSON reports carry pm_stats' figures.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stats_util.hpp"

using namespace stats_test;

namespace {
// Reads everything written to fd (a temporary file) from the start.
std::string slurp(int fd) {
  std::string out;
  char buf[4096];
  lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
  return out;
}

// The number after "key": at or after `from`, or -1.
long long json_number(const std::string& s, const char* key, size_t from = 0) {
  std::string k = std::string("\"") + key + "\":";
  size_t at = s.find(k, from);
  if (at == std::string::npos) return -1;
  return std::strtoll(s.c_str() + at + k.size(), nullptr, 10);
}

// Structural check: balanced braces and brackets outside strings, keys and values only of
// the kinds the report uses (strings, numbers, objects, arrays), one line.
bool looks_like_json(const std::string& s) {
  int depth = 0;
  bool in_str = false;
  if (s.empty() || s[0] != '{' || s.back() != '\n') return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (in_str) {
      if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') ++depth;
    else if (c == '}' || c == ']') {
      if (--depth < 0) return false;
    } else if (!(std::strchr(":,-", c) || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return depth == 0 && !in_str;
}
}  // namespace

TEST(StatsReport, JsonCarriesTheFigures) {
  std::FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  void* p = pm_malloc(1234);
  ASSERT_NE(p, nullptr);
  const size_t block = pm_usable_size(p);
  pm_stats_t s;
  ASSERT_EQ(pm_stats(&s), 0);
  ASSERT_EQ(pm_stats_write(fileno(tmp), 1), 0);
  std::string out = slurp(fileno(tmp));
  std::fclose(tmp);
  pm_free(p);
  EXPECT_TRUE(looks_like_json(out)) << out;
  EXPECT_EQ(json_number(out, "allocated"), (long long)s.allocated) << out;
  EXPECT_EQ(json_number(out, "mapped"), (long long)s.mapped) << out;
  EXPECT_EQ(json_number(out, "threads"), (long long)s.threads) << out;
  size_t pool = out.find("\"pool\":");
  ASSERT_NE(pool, std::string::npos);
  EXPECT_EQ(json_number(out, "blocks", pool), (long long)s.pool_blocks) << out;
  // The class of our 1234-byte block is listed with its block size.
  std::string cls = "\"block_size\":" + std::to_string(block) + ",";
  EXPECT_NE(out.find(cls), std::string::npos) << out;
}

TEST(StatsReport, TextNamesEachFigure) {
  std::FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  pm_stats_t s;
  ASSERT_EQ(pm_stats(&s), 0);
  ASSERT_EQ(pm_stats_write(fileno(tmp), 0), 0);
  std::string out = slurp(fileno(tmp));
  std::fclose(tmp);
  EXPECT_EQ(out.rfind("poolmalloc statistics", 0), 0u) << out;
  for (const char* label : {"allocated", "active", "resident", "mapped", "purged", "peak", "pool:",
                            "large:", "huge:", "heaps:", "block size"})
    EXPECT_NE(out.find(label), std::string::npos) << label << "\n" << out;
  EXPECT_NE(out.find(" " + std::to_string(s.mapped) + "  "), std::string::npos) << out;
}

TEST(StatsReport, PrintGoesThroughStdio) {
  std::FILE* tmp = std::tmpfile();
  ASSERT_NE(tmp, nullptr);
  pm_stats_print(tmp, 1);
  std::fflush(tmp);
  std::string out = slurp(fileno(tmp));
  std::fclose(tmp);
  EXPECT_TRUE(looks_like_json(out)) << out;
}

TEST(StatsReport, BadDescriptorFails) {
  errno = 0;
  EXPECT_EQ(pm_stats_write(-1, 0), -1);
  EXPECT_EQ(errno, EBADF);
}
