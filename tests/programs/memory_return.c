// Memory return: allocate 1 GiB in small blocks, free it all, and check that RSS falls
// below 10% of the peak after malloc_trim(0) ("trim" mode), or after the decay delay once
// the allocator is called again ("decay" mode).
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t rss_bytes(void) {
  FILE* f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (!f || fscanf(f, "%lu %lu", &size, &resident) != 2) {
    fprintf(stderr, "cannot read /proc/self/statm\n");
    exit(2);
  }
  fclose(f);
  return resident * (size_t)sysconf(_SC_PAGESIZE);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "trim";
  const size_t total = (size_t)1 << 30;
  const size_t max_blocks = total / 32;
  void** blocks = mmap(NULL, max_blocks * sizeof(void*), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (blocks == MAP_FAILED) return 2;
  size_t n = 0, bytes = 0;
  while (bytes < total && n < max_blocks) {
    size_t size = 32 + (n * 7919 % 480);  // 32..511 bytes
    char* p = malloc(size);
    if (!p) {
      fprintf(stderr, "malloc failed after %zu bytes\n", bytes);
      return 1;
    }
    memset(p, (int)(n & 0xff), size);
    blocks[n++] = p;
    bytes += size;
  }
  size_t peak = rss_bytes();
  for (size_t i = 0; i < n; ++i) free(blocks[i]);
  munmap(blocks, max_blocks * sizeof(void*));
  if (strcmp(mode, "trim") == 0) {
    malloc_trim(0);
  } else {
    // The decay is at most about a second by default; then call the allocator again.
    usleep(1300 * 1000);
    free(malloc(100 * 1024));
    free(malloc(3000));
  }
  size_t after = rss_bytes();
  printf("%s: peak RSS %zu MiB, after %zu MiB\n", mode, peak >> 20, after >> 20);
  if (after * 10 >= peak) {
    fprintf(stderr, "%s: RSS did not fall below 10%% of the peak\n", mode);
    return 1;
  }
  return 0;
}
