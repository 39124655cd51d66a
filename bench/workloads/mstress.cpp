// Mixed sizes with a long tail and threads re-created every round (the mstress pattern).
// Each round starts fresh threads; each allocates blocks mostly small, sometimes large and
// rarely huge, frees its own at random, swaps blocks with other threads through a shared
// table (so they are freed far from where they were made) and leaves some behind for the
// next round's threads. Blocks carry a check word, tested when freed.
// Parameters: threads, rounds, steps (per thread per round), shared (table slots),
// huge (largest block, bytes).
#include <atomic>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

struct Item {
  uint64_t check;  // derived from the address and size, checked before the free
  uint64_t size;
};

std::atomic<Item*>* g_shared;
size_t g_shared_n;

Item* make(wl::Rng& rng, long huge) {
  const uint64_t r = rng.next() % 10000;
  size_t size;
  if (r < 9000)  // 90%: small
    size = rng.range(16, 256);
  else if (r < 9990)  // 9.9%: medium to large
    size = rng.range(257, 64 * 1024);
  else  // 0.1%: up to huge
    size = rng.range(64 * 1024, static_cast<uint64_t>(huge));
  Item* it = static_cast<Item*>(std::malloc(size));
  if (it == nullptr) wl::oom("mstress");
  wl::touch(it, size < 4096 ? sizeof(Item) : size);  // before the header: touch writes
  it->size = size;
  it->check = reinterpret_cast<uintptr_t>(it) ^ size;
  return it;
}

void drop(Item* it) {
  if (it == nullptr) return;
  if (it->check != (reinterpret_cast<uintptr_t>(it) ^ it->size)) {
    std::fprintf(stderr, "mstress: block %p corrupted\n", static_cast<void*>(it));
    std::abort();
  }
  std::free(it);
}

void run(long id, long round, long steps, long huge) {
  wl::Rng rng(static_cast<uint64_t>(round) * 1000 + static_cast<uint64_t>(id));
  std::vector<Item*> local(static_cast<size_t>(steps / 4 + 1), nullptr);
  for (long s = 0; s < steps; ++s) {
    const size_t k = rng.next() % local.size();
    const uint64_t action = rng.next() % 16;
    if (action < 10) {  // replace a local block
      drop(local[k]);
      local[k] = make(rng, huge);
    } else if (action < 14) {  // swap with the shared table: another thread frees it
      const size_t j = rng.next() % g_shared_n;
      local[k] = g_shared[j].exchange(local[k]);
    } else {  // free a local block
      drop(local[k]);
      local[k] = nullptr;
    }
  }
  // Leave a quarter behind in the shared table for later rounds; free the rest here.
  for (size_t k = 0; k < local.size(); ++k) {
    if (k % 4 == 0) local[k] = g_shared[rng.next() % g_shared_n].exchange(local[k]);
    drop(local[k]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long threads = wl::arg(argc, argv, "threads", 4);
  const long rounds = wl::arg(argc, argv, "rounds", 20);
  const long steps = wl::arg(argc, argv, "steps", 40000);
  const long huge = wl::arg(argc, argv, "huge", 4 << 20);
  g_shared_n = static_cast<size_t>(wl::arg(argc, argv, "shared", 4096));
  std::vector<std::atomic<Item*>> shared(g_shared_n);
  for (auto& s : shared) s.store(nullptr);
  g_shared = shared.data();

  for (long r = 0; r < rounds; ++r) {
    std::vector<std::thread> pool;
    for (long t = 0; t < threads; ++t) pool.emplace_back(run, t, r, steps, huge);
    for (auto& th : pool) th.join();
  }
  for (auto& s : shared) drop(s.load());
  return 0;
}
