// Memory return: each mode builds a peak, frees everything, and checks that resident memory
// falls below 10% of the peak (RSS is a figure a test may assert; no timing is).
//   trim     1 GiB of small blocks, then malloc_trim(0)
//   decay    the same, then 1.3 s of sleep and one more allocator call
//   idle     1 GiB of 24-72 B blocks and their 128 MiB pointer array (a huge block), then
//            2 s without any allocator call
//   active   the same, then 2 s of light malloc/free that stays on the fast paths
//   huge     20 blocks of 8-24 MiB, then 2 s idle
//   churn    16 MiB of medium blocks freed and allocated again, 40 times: few page faults
//   rounds   48 MiB of large blocks freed and allocated again, 30 times: few page faults
//   slack    a huge block in a larger one's span: the tail it does not reach goes back
//   handoff  a thread allocates 512 MiB of small blocks and exits; another frees them all
//   threads  8 threads allocate and free 128 MiB each, then stay alive but blocked
//   pool     medium and large blocks (8 KiB - 2 MiB), then 2 s idle
//   keep     run with POOLMALLOC_PURGE=0: 256 MiB of small, medium and large blocks freed
//            and the decay waited out stay resident (at least 90% of the peak), until
//            malloc_trim(0) gives them back
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
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

static long minor_faults(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

static void* xmalloc(size_t n) {
  char* p = malloc(n);
  if (!p) {
    fprintf(stderr, "malloc(%zu) failed\n", n);
    exit(2);
  }
  memset(p, 0x5a, n < 4096 ? n : 4096);
  if (n > 4096) memset(p + n - 64, 0x5b, 64);
  return p;
}

// Allocates and frees `blocks` blocks of `n` bytes (each written whole), `rounds` times; the
// second half of the rounds may take at most one round's worth of page faults in all.
static int refill_rounds(const char* mode, int blocks, size_t n, int rounds) {
  static char* b[1024];
  if (blocks > 1024) return 2;
  long faults_late = 0;
  for (int r = 0; r < rounds; ++r) {
    long before = minor_faults();
    for (int i = 0; i < blocks; ++i) {
      b[i] = malloc(n);
      if (!b[i]) return 2;
      memset(b[i], r, n);
    }
    for (int i = 0; i < blocks; ++i) free(b[i]);
    if (r >= rounds / 2) faults_late += minor_faults() - before;
  }
  long round = (long)((size_t)blocks * n / 4096);
  printf("%s: %ld page faults in the last %d rounds (one round touches %ld pages)\n", mode, faults_late,
         rounds / 2, round);
  if (faults_late > round) {
    fprintf(stderr, "%s: freed memory is purged and faulted in again every round\n", mode);
    return 1;
  }
  return 0;
}

static size_t g_peak;
static void note_peak(void) {
  size_t r = rss_bytes();
  if (r > g_peak) g_peak = r;
}

// Small blocks of lo..hi bytes, `total` bytes in all, in an array from `array_malloc`.
typedef struct {
  void** blocks;
  size_t n;
} Set;

static Set small_set(size_t total, size_t lo, size_t hi, int array_from_heap) {
  size_t max = total / lo + 1;
  Set s;
  s.blocks = array_from_heap ? malloc(max * sizeof(void*))
                             : mmap(NULL, max * sizeof(void*), PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  s.n = 0;
  size_t bytes = 0;
  while (bytes < total && s.n < max) {
    size_t size = lo + (s.n * 7919 % (hi - lo + 1));
    char* p = malloc(size);
    if (!p) exit(2);
    memset(p, (int)(s.n & 0xff), size);
    s.blocks[s.n++] = p;
    bytes += size;
  }
  return s;
}

static void free_set(Set* s) {
  for (size_t i = 0; i < s->n; ++i) free(s->blocks[i]);
}

// kMediumLarge blocks, written: two of three 8-64 KiB pool blocks, one of three a large
// block of 64 KiB plus a multiple (below large_mod) of large_step.
enum { kMediumLarge = 3000 };
static void medium_large_set(void** b, size_t large_step, int large_mod) {
  for (int i = 0; i < kMediumLarge; ++i) {
    size_t n = i % 3 == 0 ? ((size_t)64 << 10) + (size_t)(i % large_mod) * large_step
                          : ((size_t)8 << 10) + (size_t)(i % 57) * 1000;
    b[i] = xmalloc(n);
    memset(b[i], 1, n);
  }
}

static void quiet(double seconds) { usleep((useconds_t)(seconds * 1e6)); }

// ---- handoff --------------------------------------------------------------------------------
static Set g_handoff;
static void* handoff_alloc(void* arg) {
  (void)arg;
  g_handoff = small_set((size_t)512 << 20, 32, 256, 0);
  note_peak();
  return NULL;
}

// ---- threads --------------------------------------------------------------------------------
static pthread_barrier_t g_done;
static pthread_mutex_t g_block = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_peak_lock = PTHREAD_MUTEX_INITIALIZER;
static void* worker(void* arg) {
  (void)arg;
  Set s = small_set((size_t)128 << 20, 16, 1024, 1);
  pthread_mutex_lock(&g_peak_lock);
  note_peak();
  pthread_mutex_unlock(&g_peak_lock);
  free_set(&s);
  free(s.blocks);
  pthread_barrier_wait(&g_done);
  pthread_mutex_lock(&g_block);  // blocked until main lets go: alive, idle
  pthread_mutex_unlock(&g_block);
  return NULL;
}

// ---- many -----------------------------------------------------------------------------------
// 16 threads each build and free a small working set, then stay alive and idle: the free
// pages they keep resident for reuse must share one allowance, not each take a single
// thread's.
enum { kManyThreads = 16 };
static void* many_worker(void* arg) {
  (void)arg;
  Set s = small_set((size_t)6 << 20, 16, 1024, 1);
  free_set(&s);
  free(s.blocks);
  pthread_barrier_wait(&g_done);
  pthread_mutex_lock(&g_block);
  pthread_mutex_unlock(&g_block);
  return NULL;
}

static int many_threads(void) {
  pthread_t t[kManyThreads];
  pthread_barrier_init(&g_done, NULL, kManyThreads + 1);
  pthread_mutex_lock(&g_block);
  size_t base = rss_bytes();
  for (int i = 0; i < kManyThreads; ++i) pthread_create(&t[i], NULL, many_worker, NULL);
  pthread_barrier_wait(&g_done);
  size_t after = rss_bytes();   // at once: no decay has run
  pthread_mutex_unlock(&g_block);
  for (int i = 0; i < kManyThreads; ++i) pthread_join(t[i], NULL);
  size_t kept = after > base ? after - base : 0;
  printf("many: %d threads built and freed 6 MiB each; %zu MiB stay resident (limit 40)\n",
         kManyThreads, kept >> 20);
  if (kept > ((size_t)40 << 20)) {
    fprintf(stderr, "many: idle threads keep %zu MiB of free pages resident\n", kept >> 20);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "trim";
  if (!strcmp(mode, "many")) return many_threads();
  if (!strcmp(mode, "trim") || !strcmp(mode, "decay")) {
    Set s = small_set((size_t)1 << 30, 32, 511, 0);
    note_peak();
    free_set(&s);
    if (!strcmp(mode, "trim")) {
      malloc_trim(0);
    } else {
      quiet(1.3);
      free(malloc(100 * 1024));
      free(malloc(3000));
    }
  } else if (!strcmp(mode, "idle") || !strcmp(mode, "active")) {
    Set s = small_set((size_t)1 << 30, 24, 72, 1);
    note_peak();
    free_set(&s);
    free(s.blocks);
    if (!strcmp(mode, "idle")) {
      quiet(2);
    } else {
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      do {
        for (int i = 0; i < 1000; ++i) free(xmalloc(48));
        usleep(1000);
        clock_gettime(CLOCK_MONOTONIC, &b);
      } while (b.tv_sec - a.tv_sec < 2);
    }
  } else if (!strcmp(mode, "huge")) {
    void* b[20];
    for (int i = 0; i < 20; ++i) {
      size_t n = ((size_t)8 << 20) + (size_t)(i * 7 % 17) * ((size_t)1 << 20);
      b[i] = malloc(n);
      if (!b[i]) return 2;
      memset(b[i], i, n);
    }
    note_peak();
    for (int i = 0; i < 20; ++i) free(b[i]);
    quiet(2);
  } else if (!strcmp(mode, "slack")) {
    // A huge block that reuses the span of a larger one gives back (part of) the old
    // block's resident tail that it does not reach: 17 MiB in the first 20 MiB of a 24 MiB
    // span (a 64 MiB live block keeps the freed span within the dirty budget).
    const size_t mib = (size_t)1 << 20;
    char* keep = malloc(64 * mib);
    char* a = malloc(24 * mib);
    if (!keep || !a) return 2;
    memset(keep, 1, 64 * mib);
    memset(a, 2, 24 * mib);
    free(a);
    size_t before = rss_bytes();
    char* b = malloc(17 * mib);
    if (!b) return 2;
    memset(b, 3, 17 * mib);
    size_t after = rss_bytes();
    printf("slack: RSS %zu KiB before the 17 MiB block, %zu KiB after\n", before >> 10, after >> 10);
    free(b);
    free(keep);
    if (after + mib > before) {
      fprintf(stderr, "slack: the old block's tail beyond the new block stayed resident\n");
      return 1;
    }
    return 0;
  } else if (!strcmp(mode, "churn")) {
    // The other side of returning memory: a thread that frees 16 MiB of medium blocks and
    // allocates them again at once keeps them resident after a few rounds, instead of
    // purging them each time (beyond its small share of free pages) and faulting them in again.
    return refill_rounds(mode, 512, 32 << 10, 40);
  } else if (!strcmp(mode, "rounds")) {
    // The same for the allocator's budget as a whole: a program that frees 48 MiB of large
    // blocks (everything it has) and allocates them again at once, round after round, is
    // purged the first times only; after that the budget keeps them resident.
    return refill_rounds(mode, 192, 256 << 10, 30);
  } else if (!strcmp(mode, "handoff")) {
    pthread_t t;
    pthread_create(&t, NULL, handoff_alloc, NULL);
    pthread_join(t, NULL);
    free_set(&g_handoff);
    quiet(2);
  } else if (!strcmp(mode, "threads")) {
    pthread_t t[8];
    pthread_barrier_init(&g_done, NULL, 9);
    pthread_mutex_lock(&g_block);
    for (int i = 0; i < 8; ++i) pthread_create(&t[i], NULL, worker, NULL);
    pthread_barrier_wait(&g_done);
    quiet(2);
    size_t after = rss_bytes();
    pthread_mutex_unlock(&g_block);
    for (int i = 0; i < 8; ++i) pthread_join(t[i], NULL);
    printf("%s: peak RSS %zu MiB, after %zu MiB\n", mode, g_peak >> 20, after >> 20);
    if (after * 10 >= g_peak) {
      fprintf(stderr, "%s: RSS did not fall below 10%% of the peak\n", mode);
      return 1;
    }
    return 0;
  } else if (!strcmp(mode, "keep")) {
    static void* b[kMediumLarge];
    Set s = small_set((size_t)192 << 20, 32, 511, 0);
    medium_large_set(b, 4096, 7);
    note_peak();
    free_set(&s);
    for (int i = 0; i < kMediumLarge; ++i) free(b[i]);
    quiet(1.3);
    free(malloc(100 * 1024));  // slow paths that would run the decay
    free(malloc(3000));
    size_t kept = rss_bytes();
    printf("keep: peak RSS %zu MiB, %zu MiB resident after the decay\n", g_peak >> 20, kept >> 20);
    if (kept * 10 < g_peak * 9) {
      fprintf(stderr, "keep: with purge=0, free memory was given back before malloc_trim\n");
      return 1;
    }
    malloc_trim(0);
  } else if (!strcmp(mode, "pool")) {
    static void* b[kMediumLarge];
    medium_large_set(b, 60000, 31);
    note_peak();
    for (int i = 0; i < kMediumLarge; ++i) free(b[i]);
    quiet(2);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  size_t after = rss_bytes();
  printf("%s: peak RSS %zu MiB, after %zu MiB\n", mode, g_peak >> 20, after >> 20);
  if (after * 10 >= g_peak) {
    fprintf(stderr, "%s: RSS did not fall below 10%% of the peak\n", mode);
    return 1;
  }
  return 0;
}
