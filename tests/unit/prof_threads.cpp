// The heap profiler under threads (also in the ASan and TSan builds): the options are read
// once per process, so the test runs this binary again with prof=1 and a fine sampling
// rate, where threads allocate, free their own and each other's blocks (sampled pool,
// large and huge blocks among them), realloc, and dump the profile while others allocate.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "poolmalloc.h"

namespace {

bool in_child() {
  const char* o = getenv("POOLMALLOC_OPTIONS");
  return o && strstr(o, "prof=1");
}

std::string read_file(const std::string& path) {
  std::string s;
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return s;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  fclose(f);
  return s;
}

TEST(ProfThreads, SampledBlocksAcrossThreads) {
  char dir[] = "/tmp/pm-prof-unit.XXXXXX";
  if (!in_child()) {
    EXPECT_EQ(pm_prof_dump("/nonexistent/x"), -1);  // off: nothing to dump
    EXPECT_EQ(errno, EINVAL);
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string opts = std::string("prof=1,prof_sample=4k,prof_file=") + dir + "/exit.heap";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("POOLMALLOC_OPTIONS", opts.c_str(), 1);
      setenv("PM_PROF_DIR", dir, 1);
      execl("/proc/self/exe", "unit_tests", "--gtest_filter=ProfThreads.SampledBlocksAcrossThreads", nullptr);
      _exit(127);
    }
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "the prof=1 run failed (status " << st << ")";
    std::string exit_profile = read_file(std::string(dir) + "/exit.heap");
    EXPECT_EQ(exit_profile.rfind("heap profile:", 0), 0u) << "no exit profile";
    EXPECT_NE(exit_profile.find("\nMAPPED_LIBRARIES:\n"), std::string::npos);
    std::string cmd = std::string("rm -rf ") + dir;
    EXPECT_EQ(system(cmd.c_str()), 0);
    return;
  }
  // The prof=1 run.
  const char* out = getenv("PM_PROF_DIR");
  ASSERT_NE(out, nullptr);
  constexpr int kThreads = 4, kRounds = 200, kBlocks = 64;
  std::vector<std::vector<void*>> handoff(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRounds; ++r) {
        std::vector<void*> mine;
        for (int i = 0; i < kBlocks; ++i) {
          size_t size = (i % 16 == 15) ? 100000 + size_t(i) * 1000 : size_t(16 + (i * 37 + r) % 2000);
          if (r % 50 == 0 && i == 0) size = 5u << 20;  // a huge block now and then
          void* p = (i % 3 == 0) ? pm_calloc(1, size) : pm_malloc(size);
          ASSERT_NE(p, nullptr);
          memset(p, t, size < 64 ? size : 64);
          if (i % 7 == 0) p = pm_realloc(p, size * 2 + 1);
          ASSERT_NE(p, nullptr);
          mine.push_back(p);
        }
        // Half freed here, half by the next thread (cross-thread frees of sampled blocks).
        for (size_t i = 0; i < mine.size(); i += 2) pm_free(mine[i]);
        std::vector<void*> give;
        for (size_t i = 1; i < mine.size(); i += 2) give.push_back(mine[i]);
        std::vector<void*> taken;
        {
          static std::atomic_flag lock = ATOMIC_FLAG_INIT;
          while (lock.test_and_set(std::memory_order_acquire)) {
          }
          taken.swap(handoff[(t + 1) % kThreads]);
          handoff[t].insert(handoff[t].end(), give.begin(), give.end());
          lock.clear(std::memory_order_release);
        }
        for (void* p : taken) pm_free(p);
        if (t == 0 && r % 40 == 0) {
          std::string path = std::string(out) + "/dump.heap";
          ASSERT_EQ(pm_prof_dump(path.c_str()), 0) << strerror(errno);
        }
      }
      ready.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  for (auto& v : handoff)
    for (void* p : v) pm_free(p);
  std::string dump = read_file(std::string(out) + "/dump.heap");
  EXPECT_EQ(dump.rfind("heap profile:", 0), 0u) << "pm_prof_dump wrote no profile";
  EXPECT_NE(dump.find(" @ 0x"), std::string::npos) << "the profile has no stack";
  ASSERT_EQ(pm_prof_dump(nullptr), 0) << strerror(errno);  // the prof_file name
}

}  // namespace
