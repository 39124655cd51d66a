/* A SIGPROF handler that allocates blocks of every kind -- small, large (free-list arena) and
 * huge (direct mappings) -- fired at a high rate while the program allocates and frees
 * blocks of every kind too, so that signals land inside the large and huge paths (which
 * take locks) as well as the small ones.
 *
 * usage: conf_sigprof_kinds [signals=2000] [threads=0]
 *
 * tests/programs/sigprof.c covers handlers that allocate small blocks only. Neither may
 * crash, corrupt a block or hang; a watchdog turns a hang into a failure that says so. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>

static atomic_long handled;
static long wanted;
static volatile sig_atomic_t handler_depth;

#define KEEP 16
static void *kept[KEEP];
static size_t kept_n[KEEP];
static atomic_flag kept_busy = ATOMIC_FLAG_INIT;

static size_t handler_size(long k, int i)
{
    if (k % 16 == 0 && i == 0) return (size_t)(5 << 20) + (size_t)(k % 4096);   /* huge */
    if (k % 4 == 0 && i == 1) return (size_t)(64 << 10) + (size_t)(k * 4099 % (400 << 10));
    return 1 + (size_t)((k * 4 + i) * 37 % 600);
}

static void on_prof(int sig)
{
    (void)sig;
    int saved = errno;
    handler_depth = 1;
    long k = atomic_fetch_add(&handled, 1);
    void *p[3];
    size_t n[3];
    for (int i = 0; i < 3; i++) {
        n[i] = handler_size(k, i);
        p[i] = malloc(n[i]);
        if (!p[i]) pmt_fail("SIGPROF handler: malloc(%zu) returned NULL", n[i]);
        pmt_owned(p[i], "SIGPROF handler malloc");
        pmt_fill(p[i], n[i] < 4096 ? n[i] : 4096);
    }
    for (int i = 0; i < 3; i++) {
        pmt_check(p[i], n[i] < 4096 ? n[i] : 4096, "SIGPROF handler free");
        free(p[i]);
    }
    if (!atomic_flag_test_and_set(&kept_busy)) {   /* large blocks kept for a later signal */
        int s = (int)(k % KEEP);
        if (kept[s]) {
            pmt_check(kept[s], 4096, "SIGPROF handler free of a kept block");
            free(kept[s]);
        }
        kept_n[s] = (size_t)(70 << 10) + (size_t)(k % 50) * 4096;
        kept[s] = malloc(kept_n[s]);
        if (!kept[s]) pmt_fail("SIGPROF handler: malloc returned NULL");
        pmt_fill(kept[s], 4096);
        atomic_flag_clear(&kept_busy);
    }
    handler_depth = 0;
    errno = saved;
}

static void on_watchdog(int sig)
{
    (void)sig;
    char msg[200];
    int len = snprintf(msg, sizeof msg, "FAIL: conf_sigprof_kinds: no progress for 30 s after %ld "
                       "signals (%s): deadlock\n", atomic_load(&handled),
                       handler_depth ? "stuck inside the SIGPROF handler" : "outside the handler");
    ssize_t w = write(2, msg, (size_t)len);
    (void)w;
    _exit(1);
}

#define HEAD(n) ((n) < 256 ? (n) : (size_t)256)

static long loop(uint64_t seed)
{
    enum { N = 128 };
    void *p[N] = {0};
    size_t n[N] = {0};
    uint64_t rng = pmt_seed(seed, 9);
    long ops = 0;
    while (atomic_load_explicit(&handled, memory_order_relaxed) < wanted) {
        uint64_t r = pmt_rand(&rng);
        unsigned i = (unsigned)(r % N);
        if (p[i]) {
            pmt_check(p[i], HEAD(n[i]), "main loop free");
            free(p[i]);
        }
        switch ((r >> 12) % 8) {
        case 0: n[i] = (4 << 20) + (size_t)((r >> 20) % (2 << 20)); break;            /* huge */
        case 1: case 2: case 3: n[i] = (64 << 10) + (size_t)((r >> 20) % (1 << 20)); break;
        default: n[i] = 1 + (size_t)((r >> 20) % 3000);
        }
        p[i] = pmt_new_block(n[i], HEAD(n[i]), (r & 0x100) != 0, (r & 0x200) != 0);
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
    wanted = pmt_arg(argc, argv, 1, 2000);
    long extra = argc > 2 ? atol(argv[2]) : 0;
    pmt_init("conf_sigprof_kinds");
    signal(SIGALRM, on_watchdog);
    alarm(30);

    pmt_prof_timer(on_prof);

    pthread_t tid[8];
    if (extra > 8) extra = 8;
    for (long t = 0; t < extra; t++) pthread_create(&tid[t], NULL, thread_loop, (void *)t);
    long ops = loop(1);
    for (long t = 0; t < extra; t++) pthread_join(tid[t], NULL);
    pmt_prof_timer(NULL);
    alarm(0);
    for (int s = 0; s < KEEP; s++)
        if (kept[s]) { pmt_check(kept[s], 4096, "kept block"); free(kept[s]); }
    printf("conf_sigprof_kinds: %ld signals handled (small, large and huge allocations) over %ld "
           "main-loop allocations: OK\n", atomic_load(&handled), ops);
    return 0;
}
