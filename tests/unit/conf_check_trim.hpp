// trim (malloc_trim / pm_trim) gives memory back and returns, also when heaps of exited
// threads still own live blocks: such an orphaned heap cannot be released yet, and trim
// must move on instead of trying it again. Runs in a death-test child with an alarm, so a
// trim that never returns fails the test (killed by SIGALRM) instead of hanging the suite.
#pragma once

#include <unistd.h>

#include <thread>

#include "conf_check_util.hpp"

namespace pmtest {

template <class H>
void trim_with_orphaned_live_blocks_child() {
  alarm(10);
  void* kept[6] = {};
  std::thread([&] {
    kept[0] = H::malloc(100);
    kept[1] = H::malloc(300 * KiB);
    kept[2] = H::malloc(20000);
  }).join();
  std::thread([&] { kept[3] = H::malloc(48); }).join();
  std::thread([&] {
    kept[4] = H::malloc(5000);
    std::thread([&] { kept[5] = H::malloc(700); }).join();
  }).join();
  for (void* p : kept) PM_CHILD_CHECK(p != nullptr);
  const int r = H::trim(0);
  PM_CHILD_CHECK(r == 0 || r == 1);
  for (void* p : kept) H::free(p);
  PM_CHILD_CHECK(H::trim(0) >= 0);
  child_pass();
}

}  // namespace pmtest
