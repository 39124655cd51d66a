// fork against stdio's locks: one thread forks in a loop, one calls fflush(NULL) (which
// holds stdio's list lock and then each FILE's lock), one reads 50000-byte lines with
// getline (which holds its FILE's lock while it reallocs into the large arena). An
// allocator whose fork handler takes its locks before glibc takes the list lock deadlocks
// here. A watchdog alarm ends a hung run with a failure.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_stop;
static FILE* g_lines;

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "fork_stdio: deadlock (watchdog fired)\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

static void* flusher(void* arg) {
  (void)arg;
  while (!atomic_load(&g_stop)) fflush(NULL);
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  char* line = NULL;
  size_t cap = 0;
  while (!atomic_load(&g_stop)) {
    rewind(g_lines);
    while (getline(&line, &cap, g_lines) > 0) {
      // Let the buffer shrink back now and then, so getline reallocs again.
      free(line);
      line = NULL;
      cap = 0;
    }
  }
  free(line);
  return NULL;
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  signal(SIGALRM, on_alarm);
  alarm((unsigned)seconds + 15);
  g_lines = tmpfile();
  if (!g_lines) return 2;
  char* big = malloc(50001);
  memset(big, 'x', 50000);
  big[50000] = '\n';
  for (int i = 0; i < 8; ++i) fwrite(big, 1, 50001, g_lines);
  free(big);
  fflush(g_lines);

  pthread_t t[2];
  pthread_create(&t[0], NULL, flusher, NULL);
  pthread_create(&t[1], NULL, reader, NULL);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int forks = 0;
  do {
    pid_t pid = fork();
    if (pid < 0) return 2;
    if (pid == 0) {
      alarm(10);  // a child that cannot allocate hangs here, not forever
      void* p = malloc(100000);
      free(p);
      _exit(p ? 0 : 4);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "fork_stdio: child failed (status %d)\n", status);
      return 1;
    }
    ++forks;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
  atomic_store(&g_stop, 1);
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  printf("fork_stdio: %d forks, no deadlock\n", forks);
  return 0;
}
