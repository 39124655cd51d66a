/* The exit report (print_stats): leaks blocks of known sizes from two threads, prints the sum
 * of their usable sizes on stdout, then ends the process.
 *
 *   stats_exit thread   the second thread calls exit() while main waits in pthread_join
 *   stats_exit main     main returns after joining the second thread
 *
 * stdout: "leaked BYTES BLOCKS". Nothing is written to stderr: the script reads the report
 * there. Run under LD_PRELOAD (or linked with the archive and -rdynamic). */
#include <pthread.h>
#include <malloc.h>

#include "pmtest.h"

#define BLOCKS 200

static void *leaked[2][BLOCKS];
static size_t leaked_bytes[2];

static void leak(int who)
{
    for (int i = 0; i < BLOCKS; i++) {
        /* pool sizes, a few large ones and one huge block */
        size_t n = i == 0 ? (size_t)6 << 20 : (i % 50 == 1 ? (size_t)300 << 10 : (size_t)(24 + 40 * i));
        void *p = malloc(n);
        if (!p) pmt_fail("malloc(%zu) failed", n);
        pmt_owned(p, "stats_exit");
        memset(p, who + 1, n < 4096 ? n : 4096);
        leaked[who][i] = p;
        leaked_bytes[who] += malloc_usable_size(p);
    }
}

static void report_and_flush(void)
{
    printf("leaked %zu %d\n", leaked_bytes[0] + leaked_bytes[1], 2 * BLOCKS);
    fflush(stdout);
}

static int exit_from_thread;

static void *second(void *arg)
{
    (void)arg;
    leak(1);
    if (exit_from_thread) {
        report_and_flush();
        exit(0); /* atexit handlers run here, in this thread; main is still in pthread_join */
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pmt_init("stats_exit");
    if (argc != 2 || (strcmp(argv[1], "thread") && strcmp(argv[1], "main")))
        pmt_fail("usage: stats_exit thread|main");
    exit_from_thread = strcmp(argv[1], "thread") == 0;
    leak(0);
    pthread_t t;
    if (pthread_create(&t, NULL, second, NULL)) pmt_fail("pthread_create failed");
    pthread_join(t, NULL);
    if (exit_from_thread) pmt_fail("the second thread did not end the process");
    report_and_flush();
    return 0;
}
