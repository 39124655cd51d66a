// Single-thread small batches (the pattern of glibc's bench-malloc-simple): allocate a
// batch of equal blocks, free it, repeat, over a grid of batch lengths and sizes. With
// idle_thread=1 a second thread exists (and sleeps) throughout, which takes glibc off its
// single-thread shortcut and shows what a multi-threaded program pays.
// Parameters: rounds (repetitions of the grid), idle_thread=0|1.
#include <atomic>
#include <thread>
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
  const long rounds = wl::arg(argc, argv, "rounds", 200);
  const bool idle = wl::arg(argc, argv, "idle_thread", 0) != 0;
  std::atomic<bool> done{false};
  std::thread sleeper;
  if (idle)
    sleeper = std::thread([&done] {
      while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });

  static const long kBatches[] = {25, 100, 400, 1600};
  static const size_t kSizes[] = {16, 64, 256, 1024};
  std::vector<void*> ptrs(1600);
  unsigned long sum = 0;
  for (long r = 0; r < rounds; ++r)
    for (long n : kBatches)
      for (size_t size : kSizes)
        for (int rep = 0; rep < 8; ++rep) {
          for (long i = 0; i < n; ++i) {
            ptrs[static_cast<size_t>(i)] = std::malloc(size);
            if (ptrs[static_cast<size_t>(i)] == nullptr) wl::oom("glibc_simple");
          }
          sum += reinterpret_cast<uintptr_t>(ptrs[0]) & 0xff;
          for (long i = 0; i < n; ++i) std::free(ptrs[static_cast<size_t>(i)]);
        }
  done = true;
  if (sleeper.joinable()) sleeper.join();
  std::printf("checksum %lu\n", sum);
  return 0;
}
