/* fork from a signal handler that interrupted malloc or free, in a single-threaded process,
 * with a child that really uses the heap afterwards.
 *
 * usage: conf_fork_signal [forks=100] [big]
 *
 * The handler forks when the signal interrupted poolmalloc's own code (the program counter
 * lies in the library's text, found in /proc/self/maps), so the forks land in the middle of
 * allocator updates (or, after 20 ms without such a signal, wherever it interrupted); "big" makes that mostly a locked path (large arenas, huge
 * table, backend) by allocating only large and huge blocks.
 *
 * As in glibc's tst-mallocfork2, the signals come from a separate process (SIGUSR1 sent as
 * fast as it can, so they land anywhere in malloc and free, small, large and huge), and the
 * handler forks. Unlike there, the child does not just _exit: with an alarm as a deadlock
 * guard it allocates and frees blocks of every kind, frees pre-fork blocks of every kind
 * (small, large, huge, allocated before the signals started), starts a thread that does the
 * same, and only then exits 0. The parent's handler waits for the child; the parent's own
 * blocks are checked to the end. tests/programs/fork_signal.c is the timer-driven version
 * whose child only uses small blocks. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <ucontext.h>

#define PREFORK 96
static void *prefork[PREFORK];
static size_t prefork_n[PREFORK];
static volatile sig_atomic_t forks_done, child_failed;
static volatile int child_status;
static long forks_wanted;
static volatile long ops_since_fork;   /* forks only after the main loop did some work */
static pid_t sender;
static uintptr_t text_lo, text_hi;
static long last_fork_ms;     /* poolmalloc's code; 0, 0: fork wherever */

/* The executable text of the mapping whose path names poolmalloc (the preloaded library). */
static void find_allocator_text(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' &&
            strstr(line, "libpoolmalloc")) {
            text_lo = lo;
            text_hi = hi;
        }
    }
    fclose(f);
}

static uintptr_t interrupted_pc(void *ctx)
{
    ucontext_t *uc = ctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

/* pre-fork blocks: two in three small, then large, then huge */
static size_t prefork_size(int i)
{
    if (i % 16 == 15) return (size_t)(6 << 20) + (size_t)i * 4096;   /* huge */
    if (i % 3 == 2) return (size_t)(80 << 10) + (size_t)i * 3001;    /* large */
    return 8 + (size_t)i * 53;
}

static void child_churn(uint64_t seed)
{
    static const size_t sizes[] = {8, 100, 1000, 9000, 70000, 300 << 10, 1 << 20, 7 << 20};
    void *p[8];
    uint64_t rng = pmt_seed(seed, 5);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 8; i++) {
            size_t n = sizes[i] + (size_t)(pmt_rand(&rng) % 64);
            p[i] = (i + round) % 3 ? malloc(n) : calloc(1, n);
            if (!p[i]) _exit(10 + i);
            if (pmt_owns_ptr && !pmt_owns_ptr(p[i])) _exit(20 + i);
            pmt_fill(p[i], n);
            if (pmt_find_bad(p[i], n, p[i]) != (size_t)-1) _exit(30 + i);
            if (i % 2) {
                void *q = realloc(p[i], n * 2);
                if (!q) _exit(40 + i);
                if (pmt_find_bad(q, n < 4096 ? n : 4096, p[i]) != (size_t)-1) _exit(50 + i);
                p[i] = q;
            }
        }
        for (int i = 0; i < 8; i++) free(p[i]);
    }
}

/* Frees the pre-fork blocks of slot `from` onward in steps of `step`, checking each first. */
static int free_prefork(int from, int step)
{
    for (int i = from; i < PREFORK; i += step) {
        size_t n = prefork_n[i];
        if (pmt_find_bad(prefork[i], n < 8192 ? n : 8192, prefork[i]) != (size_t)-1) return 0;
        free(prefork[i]);
    }
    return 1;
}

static void *child_thread(void *arg)
{
    child_churn((uint64_t)(long)arg + 1000);
    return free_prefork(1, 4) ? NULL : (void *)1;
}

static void child_work(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    signal(SIGALRM, SIG_DFL);
    alarm(10);
    child_churn((uint64_t)forks_done);
    if (!free_prefork(0, 4)) _exit(60);
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, (void *)(long)forks_done) != 0) _exit(61);
    void *ret = NULL;
    pthread_join(t, &ret);
    if (ret) _exit(62);
    if (!free_prefork(2, 4)) _exit(63);   /* huge ones (i % 16 == 15) come up in slot 3 */
    if (!free_prefork(3, 4)) _exit(64);
    child_churn(7);
    _exit(0);
}

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    if (forks_done >= forks_wanted || child_failed || ops_since_fork < 16) return;
    uintptr_t pc = interrupted_pc(ctx);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = now.tv_sec * 1000L + now.tv_nsec / 1000000L;
    /* Not inside poolmalloc: wait for a signal that is, unless they have been scarce for
     * 20 ms (a loaded machine delivers few signals; the run must still end). */
    if (text_hi && pc && (pc < text_lo || pc >= text_hi) && ms - last_fork_ms < 20) return;
    last_fork_ms = ms;
    ops_since_fork = 0;
    int saved = errno;
    pid_t c = fork();
    if (c == 0) child_work();
    if (c > 0) {
        int st;
        while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            child_failed = 1;
            child_status = st;
        }
        forks_done++;
        alarm(60);   /* the watchdog counts from the last fork: a loaded machine is slow, not stuck */
    }
    errno = saved;
}

static void on_watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "FAIL: conf_fork_signal: no progress for 60 s (deadlock)\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    if (sender > 0) kill(sender, SIGKILL);
    _exit(1);
}

int main(int argc, char **argv)
{
    forks_wanted = pmt_arg(argc, argv, 1, 100);
    int big = argc > 2 && strcmp(argv[2], "big") == 0;
    pmt_init("conf_fork_signal");
    for (int i = 0; i < PREFORK; i++) {
        prefork_n[i] = prefork_size(i);
        prefork[i] = malloc(prefork_n[i]);
        if (!prefork[i]) pmt_fail("malloc(%zu) returned NULL", prefork_n[i]);
        pmt_fill(prefork[i], prefork_n[i] < 8192 ? prefork_n[i] : 8192);
    }
    signal(SIGALRM, on_watchdog);
    alarm(60);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    find_allocator_text();
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    pid_t parent = getpid();
    sender = fork();
    if (sender < 0) pmt_fail("fork (sender): %s", strerror(errno));
    if (sender == 0) {
        signal(SIGUSR1, SIG_IGN);
        for (;;) {
            if (kill(parent, SIGUSR1) != 0) _exit(0);   /* the parent is gone */
            /* a short spin, not sched_yield: on a loaded machine a yield gives the core
             * away for whole time slices and the signals become scarce */
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            do clock_gettime(CLOCK_MONOTONIC, &b);
            while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 20000);
        }
    }

    enum { N = 512 };
    void *p[N] = {0};
    size_t n[N] = {0};
    uint64_t rng = 11;
    long ops = 0;
    while (forks_done < forks_wanted && !child_failed) {
        uint64_t r = pmt_rand(&rng);
        unsigned i = (unsigned)(r % N);
        if (p[i]) {
            pmt_check(p[i], n[i] < 256 ? n[i] : 256, "main loop");
            free(p[i]);
        }
        switch (big ? (r >> 12) % 5 : (r >> 12) % 64) {
        case 0: n[i] = (4 << 20) + (size_t)((r >> 20) % (4 << 20)); break;    /* huge */
        case 1: case 2: case 3: case 4:
            n[i] = (64 << 10) + (size_t)((r >> 20) % (900 << 10)); break;     /* large */
        default: n[i] = (size_t)((r >> 20) % 70000);           /* as in tst-mallocfork2 */
        }
        p[i] = malloc(n[i]);
        if (!p[i] && n[i]) pmt_fail("malloc(%zu) returned NULL", n[i]);
        if (p[i]) pmt_fill(p[i], n[i] < 256 ? n[i] : 256);
        ops++;
        ops_since_fork++;
    }
    kill(sender, SIGKILL);
    waitpid(sender, NULL, 0);
    signal(SIGUSR1, SIG_IGN);
    alarm(0);
    if (child_failed) {
        int st = child_status;
        pmt_fail("child %ld forked from the signal handler failed: %s %d%s", (long)forks_done,
                 WIFSIGNALED(st) ? "signal" : "exit status",
                 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                 WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
    }
    for (int i = 0; i < N; i++)
        if (p[i]) { pmt_check(p[i], n[i] < 256 ? n[i] : 256, "final free"); free(p[i]); }
    for (int i = 0; i < PREFORK; i++) {
        pmt_check(prefork[i], prefork_n[i] < 8192 ? prefork_n[i] : 8192, "pre-fork block");
        free(prefork[i]);
    }
    printf("conf_fork_signal: %ld forks from a SIGUSR1 handler over %ld allocations; every child "
           "used the heap and a thread: OK\n", (long)forks_done, ops);
    return 0;
}
