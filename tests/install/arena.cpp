// Built against an installed poolmalloc by tests/scripts/install_cmake.sh: the installed C++
// header (C++20) compiles, an STL container runs on a bump arena, and operator new is
// poolmalloc's. Prints OK, or FAIL and exit status 1.
#include <poolmalloc.hpp>

#include <cstdio>
#include <vector>

int main() {
  pm::BumpArena arena(4096);
  if (!arena) {
    std::puts("FAIL: BumpArena(4096) could not take its capacity");
    return 1;
  }
  using Alloc = pm::ArenaAllocator<int, pm::BumpArena>;
  std::vector<int, Alloc> v{Alloc(arena)};
  for (int i = 0; i < 100; ++i) v.push_back(i * 3);
  long sum = 0;
  for (int x : v) sum += x;
  if (sum != 3 * 99 * 100 / 2) {
    std::puts("FAIL: vector on the bump arena holds wrong values");
    return 1;
  }
  int* n = new int(7);
  if (!pm_owns(n)) {
    std::puts("FAIL: operator new's block is not poolmalloc's");
    return 1;
  }
  delete n;
  std::puts("OK");
  return 0;
}
