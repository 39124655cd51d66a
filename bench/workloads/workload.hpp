// Shared helpers for the workload programs. Each workload is a plain program NOT linked
// with poolmalloc; the runner starts it under LD_PRELOAD of each allocator and measures
// its wall time and peak RSS from outside. Parameters come as key=value arguments (the
// runner passes the fixed full or quick set); extra figures are printed on stdout as
// "metric <name> <value> <unit>" lines, which the runner adds to the report.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace wl {

// Integer parameter `key=value` from argv, or `fallback` when absent.
inline long arg(int argc, char** argv, const char* key, long fallback) {
  const size_t n = std::strlen(key);
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], key, n) == 0 && argv[i][n] == '=') return std::atol(argv[i] + n + 1);
  return fallback;
}

// String parameter `key=value`, or `fallback`.
inline std::string sarg(int argc, char** argv, const char* key, const char* fallback) {
  const size_t n = std::strlen(key);
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], key, n) == 0 && argv[i][n] == '=') return argv[i] + n + 1;
  return fallback;
}

// Small fast PRNG (splitmix64): each thread seeds its own, so runs are reproducible.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + next() % (hi - lo + 1); }
};

// Resident set size now, in KiB (from /proc/self/statm), for the per-phase figures.
inline long rss_kib() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  long pages = 0, resident = 0;
  if (f != nullptr) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

inline void metric(const char* name, double value, const char* unit) {
  std::printf("metric %s %.6g %s\n", name, value, unit);
}

// Write one byte per 4 KiB page so the block is really backed (RSS, page faults).
inline void touch(void* p, size_t size) {
  char* c = static_cast<char*>(p);
  for (size_t i = 0; i < size; i += 4096) c[i] = static_cast<char>(i);
  if (size > 0) c[size - 1] = 1;
}

[[noreturn]] inline void oom(const char* what) {
  std::fprintf(stderr, "%s: allocation failed\n", what);
  std::exit(2);
}

}  // namespace wl
