/* A SIGPROF handler that allocates, fired at a high rate while the main thread allocates.
 *
 * usage: sigprof [signals=1000] [threads=0]
 *
 * Profilers and crash reporters do this although malloc is not async-signal-safe; an
 * allocator whose thread-local fast path is interrupted by itself must neither crash nor
 * hand the same block out twice. The handler mallocs and frees small blocks, keeps a few
 * across invocations (freed by a later signal), and checks every block's pattern. The main
 * thread (and optional extra threads; the signal goes to whichever thread is running) keeps
 * allocating, reallocating and freeing checked blocks until enough signals were handled.
 * glibc's malloc fails this: it deadlocks on its arena lock once the process has a second
 * thread, and is not reentrant without one. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>

static atomic_long handled;
static long wanted;

/* blocks kept from one signal to a later one: a slot per handler invocation parity, guarded
 * by an atomic flag so that nested or concurrent handlers skip rather than race */
#define KEEP 32
static void *kept[KEEP];
static size_t kept_n[KEEP];
static atomic_flag kept_busy = ATOMIC_FLAG_INIT;

static void on_prof(int sig)
{
    (void)sig;
    int saved = errno;
    long k = atomic_fetch_add(&handled, 1);
    void *p[4];
    size_t n[4];
    for (int i = 0; i < 4; i++) {
        n[i] = 1 + (size_t)((k * 4 + i) * 37 % 600);
        p[i] = malloc(n[i]);
        if (!p[i]) pmt_fail("SIGPROF handler: malloc(%zu) returned NULL", n[i]);
        pmt_owned(p[i], "SIGPROF handler malloc");
        pmt_fill(p[i], n[i]);
    }
    for (int i = 0; i < 4; i++) {
        pmt_check(p[i], n[i], "SIGPROF handler free");
        free(p[i]);
    }
    if (!atomic_flag_test_and_set(&kept_busy)) {
        int s = (int)(k % KEEP);
        if (kept[s]) {
            pmt_check(kept[s], kept_n[s], "SIGPROF handler free of a kept block");
            free(kept[s]);
        }
        kept_n[s] = 8 + (size_t)(k % 5000);
        kept[s] = malloc(kept_n[s]);
        if (!kept[s]) pmt_fail("SIGPROF handler: malloc returned NULL");
        pmt_fill(kept[s], kept_n[s]);
        atomic_flag_clear(&kept_busy);
    }
    errno = saved;
}

/* The main loops fill and check only the head of each block: the time goes into malloc and
 * free, where the signal should land. */
#define HEAD(n) ((n) < 512 ? (n) : (size_t)512)

static long loop(uint64_t seed)
{
    enum { N = 256 };
    void *p[N] = {0};
    size_t n[N] = {0};
    uint64_t rng = pmt_seed(seed, 3);
    long ops = 0;
    /* runs until enough signals arrived; the script's timeout bounds it if the timer stalls */
    while (atomic_load_explicit(&handled, memory_order_relaxed) < wanted) {
        uint64_t r = pmt_rand(&rng);
        unsigned i = (unsigned)(r % N);
        if (p[i]) {
            pmt_check(p[i], HEAD(n[i]), "main loop free");
            free(p[i]);
        }
        n[i] = (r >> 40) % 64 == 0 ? (64 << 10) + (size_t)((r >> 12) % (256 << 10))
                                   : 1 + (size_t)((r >> 12) % 700);
        p[i] = pmt_new_block(n[i], HEAD(n[i]), (r & 0x100) != 0, 0);
        ops++;
    }
    for (int i = 0; i < N; i++)
        if (p[i]) { pmt_check(p[i], HEAD(n[i]), "final free"); free(p[i]); }
    return ops;
}

static void *thread_loop(void *arg)
{
    loop((uint64_t)(long)arg + 100);
    return NULL;
}

int main(int argc, char **argv)
{
    wanted = pmt_arg(argc, argv, 1, 1000);
    long extra = argc > 2 ? atol(argv[2]) : 0;
    pmt_init("sigprof");

    pmt_prof_timer(on_prof);

    pthread_t tid[16];
    if (extra > 16) extra = 16;
    for (long t = 0; t < extra; t++) pthread_create(&tid[t], NULL, thread_loop, (void *)t);
    long ops = loop(1);
    for (long t = 0; t < extra; t++) pthread_join(tid[t], NULL);
    pmt_prof_timer(NULL);
    for (int s = 0; s < KEEP; s++)
        if (kept[s]) { pmt_check(kept[s], kept_n[s], "kept block"); free(kept[s]); }
    printf("sigprof: %ld signals handled (each allocating) over %ld main-loop allocations: OK\n",
           atomic_load(&handled), ops);
    return 0;
}
