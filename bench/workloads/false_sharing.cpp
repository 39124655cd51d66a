// False sharing (the cache-thrash and cache-scratch patterns). Each thread repeatedly
// allocates a small object, writes it many times and frees it. An allocator that hands
// threads objects in the same cache line makes the cores fight over that line.
//  mode=active  (cache-thrash): threads allocate their own objects from the start.
//  mode=passive (cache-scratch): the main thread allocates one object per thread, side by
//     side; each thread frees the object it was given first, so an allocator that reuses
//     freed blocks on the freeing thread hands it memory in a line another thread uses.
// Parameters: mode, threads, iterations (per thread), size (bytes), writes (per byte).
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

void work(char* given, long iterations, long size, long writes) {
  std::free(given);  // nullptr in active mode
  for (long i = 0; i < iterations; ++i) {
    volatile char* obj = static_cast<volatile char*>(std::malloc(static_cast<size_t>(size)));
    if (obj == nullptr) wl::oom("false_sharing");
    for (long w = 0; w < writes; ++w)
      for (long b = 0; b < size; ++b) obj[b] = static_cast<char>(obj[b] + 1);
    std::free(const_cast<char*>(obj));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool passive = wl::sarg(argc, argv, "mode", "active") == "passive";
  const long threads = wl::arg(argc, argv, "threads", 4);
  const long iterations = wl::arg(argc, argv, "iterations", 10000);
  const long size = wl::arg(argc, argv, "size", 8);
  const long writes = wl::arg(argc, argv, "writes", 100);

  std::vector<char*> given(static_cast<size_t>(threads), nullptr);
  if (passive)
    for (auto& g : given) {
      g = static_cast<char*>(std::malloc(static_cast<size_t>(size)));
      if (g == nullptr) wl::oom("false_sharing");
    }
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t)
    pool.emplace_back(work, given[static_cast<size_t>(t)], iterations, size, writes);
  for (auto& th : pool) th.join();
  return 0;
}
