// Allocator-tester style: a table of slots (256K by default) holds live blocks; each step
// frees a random slot and refills it with a block of log-uniform random size up to 1 KiB,
// and writes one byte per cache line of it. With threads=2 the slots are split between
// the threads (each works on its own half; no cross-thread frees).
// Parameters: threads, slots (all threads together), steps (per thread), max (bytes).
#include <cstdlib>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

struct Params {
  long threads, slots, steps, max;
};

size_t random_size(wl::Rng& rng, long max) {
  const int hi = 63 - __builtin_clzll(static_cast<unsigned long long>(max));
  const int e = static_cast<int>(rng.next() % static_cast<uint64_t>(hi + 1));  // 2^0 .. 2^hi
  size_t s = (size_t{1} << e) + rng.next() % (size_t{1} << e);
  return s > static_cast<size_t>(max) ? static_cast<size_t>(max) : s;
}

void touch(void* v, size_t size) {
  char* c = static_cast<char*>(v);
  for (size_t i = 0; i < size; i += 64) c[i] = static_cast<char>(i);
  c[size - 1] = 1;
}

void worker(long id, const Params& p, std::vector<void*>* table, size_t begin, size_t end) {
  wl::Rng rng(static_cast<uint64_t>(id) + 7);
  const size_t n = end - begin;
  for (long i = 0; i < p.steps; ++i) {
    void*& slot = (*table)[begin + rng.next() % n];
    std::free(slot);
    const size_t size = random_size(rng, p.max);
    slot = std::malloc(size);
    if (slot == nullptr) wl::oom("alloc_test");
    touch(slot, size);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Params p{wl::arg(argc, argv, "threads", 1), wl::arg(argc, argv, "slots", 256 * 1024),
                 wl::arg(argc, argv, "steps", 10000000), wl::arg(argc, argv, "max", 1024)};
  if (p.threads < 1 || p.slots < p.threads || p.max < 1) {
    std::fprintf(stderr, "alloc_test: bad parameters\n");
    return 1;
  }
  std::vector<void*> table(static_cast<size_t>(p.slots), nullptr);  // free(nullptr) at first
  std::vector<std::thread> pool;
  const size_t share = table.size() / static_cast<size_t>(p.threads);
  for (long t = 0; t < p.threads; ++t) {
    const size_t b = static_cast<size_t>(t) * share;
    const size_t e = t + 1 == p.threads ? table.size() : b + share;
    pool.emplace_back(worker, t, std::cref(p), &table, b, e);
  }
  for (auto& th : pool) th.join();
  for (void* q : table) std::free(q);
  wl::metric("ops", static_cast<double>(p.threads * p.steps), "replacements");
  return 0;
}
