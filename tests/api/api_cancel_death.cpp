// glibc's reports write with write(2) and stdio, which are cancellation points. A thread
// cancelled inside malloc_stats, malloc_info or pm_stats_print must be cancelled cleanly
// (as with glibc), not unwind into a noexcept frame and abort the process, and must leave
// no lock held.
#include <fcntl.h>
#include <malloc.h>
#include <poolmalloc_stats.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>

#include "../unit/global_test_util.hpp"

using namespace pmtest;

namespace {

std::atomic<long> g_reports{0};

void* report_forever(void* arg) {
  int which = *static_cast<int*>(arg);
  FILE* devnull = fopen("/dev/null", "w");
  for (;;) {
    switch (which) {
      case 0: malloc_stats(); break;
      case 1: malloc_info(0, devnull); break;
      default: pm_stats_print(devnull, 1); break;
    }
    g_reports.fetch_add(1);
    pthread_testcancel();  // a cancellation held off inside the report takes effect here
  }
  return nullptr;
}

void cancel_inside_report_child(int which) {
  alarm(30);
  int null_fd = open("/dev/null", O_WRONLY);
  dup2(null_fd, 2);  // malloc_stats writes to stderr
  pthread_t t;
  PM_CHILD_CHECK(pthread_create(&t, nullptr, report_forever, &which) == 0);
  while (g_reports.load() < 50) usleep(100);
  PM_CHILD_CHECK(pthread_cancel(t) == 0);
  void* result = nullptr;
  PM_CHILD_CHECK(pthread_join(t, &result) == 0);
  PM_CHILD_CHECK(result == PTHREAD_CANCELED);
  // No lock was left held: every path still works.
  void* p = malloc(100);
  void* q = malloc(200000);
  PM_CHILD_CHECK(p && q);
  free(p);
  free(q);
  malloc_stats();
  malloc_trim(0);
  static const char ok[] = "child ok\n";
  dup2(open("/proc/self/fd/1", O_WRONLY), 2);
  (void)!write(2, ok, sizeof ok - 1);
  _exit(0);
}

class ApiCancelDeathTest : public DeathTestBase {};

TEST_F(ApiCancelDeathTest, MallocStatsCancelledCleanly) {
  EXPECT_EXIT(cancel_inside_report_child(0), ::testing::ExitedWithCode(0), "");
}
TEST_F(ApiCancelDeathTest, MallocInfoCancelledCleanly) {
  EXPECT_EXIT(cancel_inside_report_child(1), ::testing::ExitedWithCode(0), "");
}
TEST_F(ApiCancelDeathTest, StatsPrintCancelledCleanly) {
  EXPECT_EXIT(cancel_inside_report_child(2), ::testing::ExitedWithCode(0), "");
}

}  // namespace
