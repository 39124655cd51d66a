// Linked with libpoolmalloc.a and run with prof=1; the test sets the thread's countdown so
// large that no sample falls in it (prof_retry.sh): an aligned request that fails, is retried
// after the caches are given back and fails again must take its size off the thread's
// countdown (prof::tl_left) once, not once per try.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "poolmalloc.h"
#include "prof.hpp"

static int check(bool ok, const char* what) {
  if (!ok) fprintf(stderr, "prof_retry: %s\n", what);
  return ok ? 0 : 1;
}

int main() {
  free(malloc(16));  // the thread's first count is drawn
  if (check(pm::prof::tl_left > 0, "no countdown drawn (is prof=1 set?)")) return 1;
  // The draw is exponential: even with a mean of 1 TiB it falls below the 1 GiB asked for
  // below about once in a thousand runs, and a sample would then change the count. Set it.
  pm::prof::tl_left = int64_t{1} << 50;
  // Something for the retry to give back: 64 MiB of free 1 KiB blocks in the thread's pages.
  enum { kBlocks = 65536 };
  static void* blocks[kBlocks];
  for (int i = 0; i < kBlocks; ++i) blocks[i] = malloc(1024);
  for (int i = 0; i < kBlocks; ++i) free(blocks[i]);
  int64_t before = pm::prof::tl_left;
  const size_t big = size_t{1} << 30;  // above reserve_limit: both tries fail
  void* p = aligned_alloc(4096, big);
  int err = errno;
  int64_t after = pm::prof::tl_left;
  int bad = check(p == nullptr && err == ENOMEM, "aligned_alloc above reserve_limit did not fail with ENOMEM");
  if (before - after != int64_t(big)) {
    fprintf(stderr, "prof_retry: the failed request took %lld bytes off the countdown, not %zu\n",
            (long long)(before - after), big);
    bad = 1;
  }
  return bad;
}
