// Limits: requests no allocator can serve (near SIZE_MAX, above PTRDIFF_MAX, 2^40..2^63)
// through every entry point must give NULL with ENOMEM (posix_memalign: return ENOMEM and
// leave *memptr), never a small block from an overflowed size computation.
#pragma once

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "global_test_util.hpp"

namespace pmtest {

// /proc/sys/vm/overcommit_memory; -1 when unknown.
inline int overcommit_mode() {
  char c = 0;
  int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 1 ? c - '0' : -1;
}

// Sizes that must fail. 2^40..2^46 fit in the 47-bit address space: they fail because no
// machine here has the memory (glibc's malloc fails them the same way), except under
// vm.overcommit_memory=1, where the kernel would hand out the mapping to anyone; then only
// the address-space-capped child checks them.
inline std::vector<size_t> impossible_sizes(bool with_fitting_powers) {
  std::vector<size_t> v = {SIZE_MAX,
                           SIZE_MAX - 1,
                           SIZE_MAX - 15,
                           SIZE_MAX - 4095,
                           SIZE_MAX - 4096,
                           SIZE_MAX - MiB,
                           SIZE_MAX - GiB,
                           size_t{PTRDIFF_MAX},
                           size_t{PTRDIFF_MAX} + 1,
                           size_t{PTRDIFF_MAX} - 4095};
  for (int k = 40; k <= 63; ++k)
    if (k >= 47 || with_fitting_powers) v.push_back(size_t{1} << k);
  return v;
}

// Every entry point with size n; `live` is a 100-byte block carrying pattern 9 for the
// realloc forms, which must leave it intact. Returns the first failing call, or nullptr.
// No gtest assertions here: the address-space-capped child uses it too.
template <class H>
const char* first_limit_violation(size_t n, unsigned char*& live) {
  auto fails = [](void* p) {
    bool ok = p == nullptr && errno == ENOMEM;
    if (p) H::free(p);
    return ok;
  };
  n = opaque(n);

  errno = 0;
  if (!fails(H::malloc(n))) return "malloc(n)";
  errno = 0;
  if (!fails(H::calloc(1, n))) return "calloc(1, n)";
  errno = 0;
  if (!fails(H::calloc(n, 1))) return "calloc(n, 1)";
  errno = 0;
  if (!fails(H::realloc(nullptr, n))) return "realloc(NULL, n)";
  errno = 0;
  if (!fails(H::reallocarray(nullptr, 1, n))) return "reallocarray(NULL, 1, n)";
  errno = 0;
  if (!fails(H::reallocarray(nullptr, n, 1))) return "reallocarray(NULL, n, 1)";
  for (size_t a : {size_t{16}, size_t{64}, size_t{4096}, MiB}) {
    errno = 0;
    if (!fails(H::memalign(a, n))) return "memalign(a, n)";
    errno = 0;
    if (!fails(H::aligned_alloc(a, n))) return "aligned_alloc(a, n)";
    void* const sentinel = reinterpret_cast<void*>(uintptr_t{0xDEADBEEF0});
    void* m = sentinel;
    if (H::posix_memalign(&m, a, n) != ENOMEM) {
      if (m != sentinel) H::free(m);
      return "posix_memalign(&m, a, n) != ENOMEM";
    }
    if (m != sentinel) return "posix_memalign changed *memptr";
  }
  errno = 0;
  if (!fails(H::valloc(n))) return "valloc(n)";
  errno = 0;
  if (!fails(H::pvalloc(n))) return "pvalloc(n)";

  // realloc forms on a live block: NULL, ENOMEM, and the block left intact.
  errno = 0;
  void* q = H::realloc(opaque(live), n);
  if (q != nullptr || errno != ENOMEM) {
    if (q) live = static_cast<unsigned char*>(q);
    return "realloc(live, n)";
  }
  errno = 0;
  q = H::reallocarray(opaque(live), n, 1);
  if (q != nullptr || errno != ENOMEM) {
    if (q) live = static_cast<unsigned char*>(q);
    return "reallocarray(live, n, 1)";
  }
  if (first_pattern_mismatch(live, 100, 9) != npos) return "live block changed";
  return nullptr;
}

template <class H>
void check_limits_in_process() {
  auto* live = static_cast<unsigned char*>(H::malloc(100));
  ASSERT_NE(live, nullptr);
  fill_pattern(live, 0, 100, 9);
  for (size_t n : impossible_sizes(overcommit_mode() != 1)) {
    const char* bad = first_limit_violation<H>(n, live);
    EXPECT_EQ(bad, nullptr) << bad << " with n = " << n << " (0x" << std::hex << n << ")";
  }
  H::free(live);
}

// In a child capped at 256 MiB of extra address space, every size fails whatever the
// overcommit policy; the child exits 0 ("child ok") when all do.
template <class H>
void limits_child() {
  H::free(H::malloc(1));  // initialise the heap before the cap
  auto* live = static_cast<unsigned char*>(H::malloc(100));
  PM_CHILD_CHECK(live != nullptr);
  fill_pattern(live, 0, 100, 9);
  const std::vector<size_t> sizes = impossible_sizes(true);
  PM_CHILD_CHECK(limit_address_space(256 * MiB));
  for (size_t n : sizes) {
    const char* bad = first_limit_violation<H>(n, live);
    if (bad) {
      char what[256];
      std::snprintf(what, sizeof what, "%s with n = %#zx", bad, n);
      child_fail(__LINE__, what);
    }
  }
  child_pass();
}

}  // namespace pmtest
