/* Instruction counts for a small malloc+free pair, run under callgrind by the runner.
 * The runner starts this program twice with different pair counts and divides the
 * difference in instructions by the difference in pairs, so start-up, the allocator's
 * initialisation and the first page refills cancel and what remains is the steady cost
 * of one pair, slow paths included in proportion.
 * Usage: pair loop|batch SIZE PAIRS
 *   loop:  malloc(SIZE) then free at once, PAIRS times
 *   batch: 100 mallocs then the 100 frees, newest first, PAIRS/100 times
 * Built with -fno-builtin so that the compiler keeps every call, and -fno-plt so that the
 * caller's side of each call (no PLT stub) is all in main, which the runner takes off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 100

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s loop|batch SIZE PAIRS\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  size_t size = strtoul(argv[2], NULL, 10);
  long pairs = strtol(argv[3], NULL, 10);
  if (strcmp(mode, "loop") == 0) {
    for (long i = 0; i < pairs; ++i) {
      void *p = malloc(size);
      __asm__ volatile("" : : "r"(p) : "memory"); /* the block is "used" */
      free(p);
    }
  } else if (strcmp(mode, "batch") == 0) {
    void *ptrs[BATCH];
    for (long b = 0; b < pairs / BATCH; ++b) {
      for (int i = 0; i < BATCH; ++i) ptrs[i] = malloc(size);
      __asm__ volatile("" : : "r"(ptrs) : "memory");
      for (int i = BATCH; i-- > 0;) free(ptrs[i]);
    }
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}
