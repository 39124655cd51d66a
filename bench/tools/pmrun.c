/* pmrun: runs one command and reports its wall time, CPU time and peak RSS.
 * Why not measure from the Python runner directly: a child forked from a process keeps
 * that process's RSS as its ru_maxrss floor across exec, so every benchmark would seem to
 * use at least the runner's 15 MiB. This helper is tiny, so its floor is negligible.
 * Usage: pmrun RESULT_FILE PRELOAD|- COMMAND [ARG...]
 *   PRELOAD is set as LD_PRELOAD for the command only ("-": none). RESULT_FILE gets
 *   "status <exit code or -signal> wall <s> cpu <s> maxrss_kib <KiB>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s RESULT_FILE PRELOAD|- COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  const double start = now();
  const pid_t pid = fork();
  if (pid < 0) {
    perror("pmrun: fork");
    return 2;
  }
  if (pid == 0) {
    if (strcmp(argv[2], "-") == 0)
      unsetenv("LD_PRELOAD");
    else
      setenv("LD_PRELOAD", argv[2], 1);
    execvp(argv[3], argv + 3);
    perror("pmrun: exec");
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("pmrun: wait4");
    return 2;
  }
  const double wall = now() - start;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  FILE *out = fopen(argv[1], "w");
  if (out == NULL) {
    perror("pmrun: result file");
    return 2;
  }
  fprintf(out, "status %d wall %.6f cpu %.6f maxrss_kib %ld\n", code, wall,
          (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6,
          ru.ru_maxrss);
  fclose(out);
  return 0;
}
