// Huge blocks replaced one at a time: keep `live` blocks of 5-25 MiB alive and replace a
// random one each step with a new block, zero-filled by std::make_unique<char[]> (operator
// new, then the value-initialisation writes every byte). Shows whether an allocator reuses
// freed address space or maps and faults in fresh memory for every block.
// Parameters: live, steps, min_mib, max_mib.
#include <memory>
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
  const long live = wl::arg(argc, argv, "live", 20);
  const long steps = wl::arg(argc, argv, "steps", 400);
  const long min_mib = wl::arg(argc, argv, "min_mib", 5);
  const long max_mib = wl::arg(argc, argv, "max_mib", 25);
  wl::Rng rng(11);
  std::vector<std::unique_ptr<char[]>> blocks(static_cast<size_t>(live));
  auto next_size = [&] {
    uint64_t span = static_cast<uint64_t>(max_mib - min_mib) << 20;
    return (static_cast<size_t>(min_mib) << 20) + static_cast<size_t>(rng.next() % (span + 1));
  };
  for (auto& b : blocks) b = std::make_unique<char[]>(next_size());
  unsigned long check = 0;
  for (long s = 0; s < steps; ++s) {
    const size_t k = rng.next() % blocks.size();
    blocks[k].reset();
    const size_t n = next_size();
    blocks[k] = std::make_unique<char[]>(n);
    blocks[k][n - 1] = static_cast<char>(s);
    check += static_cast<unsigned char>(blocks[k][n / 2]);
  }
  if (check != 0) std::printf("unexpected non-zero contents\n");
  return check == 0 ? 0 : 1;
}
