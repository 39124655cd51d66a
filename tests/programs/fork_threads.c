/* fork while other threads allocate: the fork must not deadlock and the child's heap must work
 * even though other threads were inside malloc or free at the moment of the fork.
 *
 * usage: fork_threads [forks=200] [threads=3]
 *
 * Worker threads allocate, check and free blocks of all sizes without pause. The main thread
 * forks in a loop; every child (under an alarm, so that a deadlock becomes a SIGALRM death the
 * parent reports) frees blocks the main thread allocated before the workers started, allocates
 * and frees, starts a thread that does the same, and exits 0. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define STABLE 256
static void *stable[STABLE];     /* allocated by main before any worker runs */
static atomic_int stop;
static atomic_long worker_ops;

static size_t stable_size(int i) { return 16 + (size_t)i * 61 % 5000; }

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = pmt_rand(rng);
    switch (r % 64) {
    case 0: return (2 << 20) + (size_t)((r >> 8) % (2 << 20));   /* huge */
    case 1: case 2: return (64 << 10) + (size_t)((r >> 8) % (512 << 10));
    default: return 1 + (size_t)((r >> 8) % 1024);
    }
}

static void *worker(void *arg)
{
    uint64_t rng = pmt_seed(5, (uint64_t)(long)arg);
    enum { N = 64 };
    void *p[N] = {0};
    size_t n[N] = {0};
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        unsigned i = (unsigned)(pmt_rand(&rng) % N);
        if (p[i]) {
            pmt_check(p[i], n[i], "worker free");
            free(p[i]);
        }
        n[i] = pick_size(&rng);
        p[i] = malloc(n[i]);
        if (!p[i]) pmt_fail("worker: malloc(%zu) returned NULL", n[i]);
        pmt_owned(p[i], "worker malloc");
        pmt_fill(p[i], n[i]);
        atomic_fetch_add_explicit(&worker_ops, 1, memory_order_relaxed);
    }
    for (int i = 0; i < N; i++)
        if (p[i]) { pmt_check(p[i], n[i], "worker final free"); free(p[i]); }
    return NULL;
}

static void churn(uint64_t seed, const char *what)
{
    uint64_t rng = pmt_seed(seed, 99);
    void *p[32];
    size_t n[32];
    for (int i = 0; i < 32; i++) {
        n[i] = pick_size(&rng);
        p[i] = malloc(n[i]);
        if (!p[i]) pmt_fail("%s: malloc(%zu) returned NULL", what, n[i]);
        pmt_owned(p[i], what);
        pmt_fill(p[i], n[i]);
    }
    for (int i = 0; i < 32; i++) { pmt_check(p[i], n[i], what); free(p[i]); }
}

static void *child_thread(void *arg)
{
    churn((uint64_t)(long)arg, "child thread");
    return NULL;
}

int main(int argc, char **argv)
{
    long forks = pmt_arg(argc, argv, 1, 200);
    long nthreads = pmt_arg(argc, argv, 2, 3);
    pmt_init("fork_threads");
    for (int i = 0; i < STABLE; i++) {
        stable[i] = malloc(stable_size(i));
        if (!stable[i]) pmt_fail("malloc returned NULL");
        pmt_fill(stable[i], stable_size(i));
    }
    pthread_t tid[64];
    if (nthreads > 64) nthreads = 64;
    for (long t = 0; t < nthreads; t++) pthread_create(&tid[t], NULL, worker, (void *)t);
    /* let the workers get going before the first fork */
    while (atomic_load(&worker_ops) < 1000) sched_yield();

    for (long f = 0; f < forks; f++) {
        pid_t c = fork();
        if (c < 0) pmt_fail("fork: %s", strerror(errno));
        if (c == 0) {
            alarm(20);
            for (int i = (int)(f % 2); i < STABLE; i += 2) {
                pmt_check(stable[i], stable_size(i), "child: inherited block");
                pmt_owned(stable[i], "child: inherited block");
                free(stable[i]);
            }
            churn((uint64_t)f, "child malloc");
            pthread_t t;
            if (pthread_create(&t, NULL, child_thread, (void *)f)) pmt_fail("child: pthread_create failed");
            pthread_join(t, NULL);
            _exit(0);
        }
        int st;
        if (waitpid(c, &st, 0) != c) pmt_fail("waitpid failed");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            pmt_fail("child %ld failed: %s %d%s", f, WIFSIGNALED(st) ? "signal" : "exit status",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                     WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
    }
    atomic_store(&stop, 1);
    for (long t = 0; t < nthreads; t++) pthread_join(tid[t], NULL);
    for (int i = 0; i < STABLE; i++) {
        pmt_check(stable[i], stable_size(i), "parent: stable block");
        free(stable[i]);
    }
    printf("fork_threads: %ld forks beside %ld allocating threads (%ld worker allocations): OK\n",
           forks, nthreads, atomic_load(&worker_ops));
    return 0;
}
