// Options probe: allocates a huge block and prints the VmFlags of its mapping, so a script
// can check the thp option ("nh": no huge pages, "hg": huge pages on request); with
// "limit" as argument, allocates until the reserve limit refuses and prints the errno.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "limit") == 0) {
    errno = 0;
    void* p = malloc((size_t)100 << 20);
    printf("limit: %s errno=%d\n", p ? "allocated" : "refused", p ? 0 : errno);
    free(p);
    return 0;
  }
  char* p = malloc((size_t)8 << 20);
  if (!p) return 1;
  p[0] = 1;
  FILE* f = fopen("/proc/self/smaps", "r");
  if (!f) return 1;
  char line[512];
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') == line + strcspn(line, "-")) {
      in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
      continue;
    }
    if (in && strncmp(line, "VmFlags:", 8) == 0) {
      fputs(line, stdout);
      break;
    }
  }
  fclose(f);
  free(p);
  return 0;
}
