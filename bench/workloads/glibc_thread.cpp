// Threads with random sizes over a bounded working set (the pattern of glibc's
// bench-malloc-thread): each thread keeps a fixed number of live blocks and replaces a
// random one per step with a block of random size, small sizes far more likely than large
// ones (probability about 1/size), so the heap stays the same size while it churns.
// Parameters: threads, slots (live blocks per thread), steps (per thread), max (bytes).
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

// Sizes from 4 B to max with density about 1/size: uniform in the exponent, then in the
// octave. This mirrors how real programs use small blocks far more than big ones.
size_t random_size(wl::Rng& rng, long max) {
  unsigned bits = 2;
  while ((4ul << bits) <= static_cast<unsigned long>(max)) ++bits;
  const unsigned octave = 2 + static_cast<unsigned>(rng.next() % (bits - 1));
  const size_t lo = size_t{1} << octave;
  return lo + rng.next() % lo;
}

void run(long id, long slots, long steps, long max) {
  wl::Rng rng(static_cast<uint64_t>(id) + 7);
  std::vector<void*> live(static_cast<size_t>(slots), nullptr);
  for (long s = 0; s < steps; ++s) {
    const size_t k = rng.next() % live.size();
    std::free(live[k]);
    const size_t size = random_size(rng, max);
    char* p = static_cast<char*>(std::malloc(size));
    if (p == nullptr) wl::oom("glibc_thread");
    p[0] = 1;
    live[k] = p;
  }
  for (void* p : live) std::free(p);
}

}  // namespace

int main(int argc, char** argv) {
  const long threads = wl::arg(argc, argv, "threads", 4);
  const long slots = wl::arg(argc, argv, "slots", 1024);
  const long steps = wl::arg(argc, argv, "steps", 2000000);
  const long max = wl::arg(argc, argv, "max", 32768);
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t) pool.emplace_back(run, t, slots, steps, max);
  for (auto& th : pool) th.join();
  wl::metric("steps", static_cast<double>(threads * steps), "pairs");
  return 0;
}
