// Run-time options, read once from the environment at initialisation (see options.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace pm {

struct Options {
  uint64_t decay_ms;         // how long free memory stays resident before it is purged
  bool purge;                // false: never give memory back except on malloc_trim
  bool misuse_abort;         // abort on heap misuse (default) or only warn
  bool verbose;              // diagnostics on stderr
  bool print_stats;          // print statistics at exit
  bool stats_json;           // ... as JSON instead of text
  size_t huge_threshold;     // blocks above this are direct mappings
  int thp;                   // transparent huge pages: 0 default, 1 never, 2 madvise
  size_t reserve_limit;      // upper bound on mapped bytes (0: none)
  // ---- heap profiler (prof.cpp) ----
  bool prof;                 // sample allocations with their stacks
  bool prof_leak;            // at exit, report the sampled blocks still live (implies prof)
  size_t prof_sample;        // mean bytes between samples
  const char* prof_file;     // profile path (%p: the pid); points into the environment
  size_t prof_file_len;
  int prof_signal;           // dump the profile on this signal (0: none)
  // ---- hardened variant only (hardened.hpp); the default build never reads them ----
  size_t quarantine;         // quarantine slots per thread (0: off), at most policy::kQuarantineMax
  bool zero_on_free;         // false: freed blocks keep their data; malloc zeroes the request
};

const Options& options();
// Parses POOLMALLOC_OPTIONS / POOLMALLOC_<KEY>; called once by the initialisation.
void options_init();

}  // namespace pm
