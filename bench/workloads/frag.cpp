// Fragmentation and memory return. Cycles of phases that switch the working set:
//  small:  many small blocks of mixed sizes (a big object graph is built);
//  thin:   three quarters of them freed at random (the survivors pin their pages);
//  large:  a working set of 16 KiB - 1 MiB blocks (a different phase of the program);
//  drop:   the large blocks freed;
//  empty:  the small survivors freed too: all of it could go back to the OS.
// RSS after each phase of the last cycle is printed as "metric rss_<phase> <KiB>"; the
// runner reports it beside the peak.
// Parameters: cycles, small (blocks), large_mib (MiB in the large working set).
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
  const long cycles = wl::arg(argc, argv, "cycles", 4);
  const long nsmall = wl::arg(argc, argv, "small", 1000000);
  const long large_mib = wl::arg(argc, argv, "large_mib", 128);
  wl::Rng rng(11);
  std::vector<char*> small(static_cast<size_t>(nsmall));
  std::vector<char*> large;

  for (long c = 0; c < cycles; ++c) {
    const bool last = c + 1 == cycles;
    auto phase = [last](const char* name) {
      if (last) wl::metric((std::string("rss_") + name).c_str(), static_cast<double>(wl::rss_kib()), "KiB");
    };
    for (auto& p : small) {
      const size_t size = rng.range(16, 320);
      p = static_cast<char*>(std::malloc(size));
      if (p == nullptr) wl::oom("frag");
      p[0] = p[size - 1] = 1;
    }
    phase("small");
    for (auto& p : small)
      if (rng.next() % 4 != 0) {
        std::free(p);
        p = nullptr;
      }
    phase("thin");
    for (long bytes = 0; bytes < large_mib << 20;) {
      const size_t size = rng.range(16 << 10, 1 << 20);
      char* p = static_cast<char*>(std::malloc(size));
      if (p == nullptr) wl::oom("frag");
      wl::touch(p, size);
      large.push_back(p);
      bytes += static_cast<long>(size);
    }
    phase("large");
    for (char* p : large) std::free(p);
    large.clear();
    phase("drop");
    for (auto& p : small) {
      std::free(p);
      p = nullptr;
    }
    phase("empty");
  }
  return 0;
}
