#include "secret.hpp"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace pm {

std::atomic<uint64_t> g_secret{0};

uint64_t secret_init() noexcept {
  uint64_t s = 0;
  // getrandom(2) straight from the kernel: no allocation, no file descriptor.
  if (syscall(SYS_getrandom, &s, sizeof s, 0) != long(sizeof s)) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);  // no entropy source: weaker, never zero
    s = uint64_t(ts.tv_nsec) * 0x9E3779B97F4A7C15ULL ^ uint64_t(getpid()) << 32 ^
        reinterpret_cast<uintptr_t>(&s);
  }
  s |= 1;  // never 0 (0 means "not yet")
  uint64_t expected = 0;
  // The first thread to get here wins; a racing one takes its value.
  if (!g_secret.compare_exchange_strong(expected, s, std::memory_order_relaxed)) return expected;
  return s;
}

}  // namespace pm
