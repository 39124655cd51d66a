// Many 2 MiB blocks (the malloc-large pattern): keep a handful of large blocks alive,
// replace one at a time with a new block of about 2 MiB, and touch every page of it.
// Shows whether an allocator reuses large memory or maps and faults it in afresh.
// Parameters: live (blocks alive at once), steps, size (bytes), spread (random extra bytes).
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
  const long live = wl::arg(argc, argv, "live", 16);
  const long steps = wl::arg(argc, argv, "steps", 2000);
  const long size = wl::arg(argc, argv, "size", 2 << 20);
  const long spread = wl::arg(argc, argv, "spread", 64 << 10);
  wl::Rng rng(3);
  std::vector<void*> blocks(static_cast<size_t>(live), nullptr);
  for (long s = 0; s < steps; ++s) {
    const size_t k = rng.next() % blocks.size();
    std::free(blocks[k]);
    const size_t n = static_cast<size_t>(size) + rng.next() % static_cast<uint64_t>(spread + 1);
    blocks[k] = std::malloc(n);
    if (blocks[k] == nullptr) wl::oom("malloc_large");
    wl::touch(blocks[k], n);
  }
  for (void* p : blocks) std::free(p);
  return 0;
}
