/* fork from a signal handler that interrupted malloc or free (single-threaded process).
 *
 * usage: fork_signal [forks=200]
 *
 * POSIX lists fork as async-signal-safe, and glibc does not take its malloc locks in fork
 * when the process has one thread, so a handler may fork in the middle of malloc. An
 * allocator that locks in its atfork handlers deadlocks there; one that leaves its state
 * unusable breaks the child. The main loop mallocs, reallocs and frees blocks of all sizes
 * (the slow and locked paths too) while an interval timer raises SIGALRM; the handler forks;
 * the child (with the signal unblocked and an alarm as a deadlock guard) mallocs and frees,
 * frees a block allocated before the timer started, and calls _exit(0); the handler in the
 * parent waits for it. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define STABLE 64
static void *stable[STABLE];
static volatile sig_atomic_t forks_done, child_failed, child_status;
static volatile long ops_since_fork;    /* the handler forks only after the loop did some work */
static long forks_wanted;

static size_t stable_size(int i) { return 24 + (size_t)i * 97; }

/* A watchdog (a one-shot timer raising SIGUSR2, re-armed after every fork) turns a deadlock
 * into a prompt failure that says where it stopped, instead of waiting for the script's
 * timeout. It must outlast the child's own alarm. */
#define WATCHDOG_S 20
static timer_t watchdog;

static void on_watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "FAIL: fork_signal: no fork from the SIGALRM handler completed for "
                              "20 s: deadlock in fork (atfork handlers?) or in malloc\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

static void watchdog_arm(void)
{
    struct itimerspec ts = {{0, 0}, {WATCHDOG_S, 0}};
    timer_settime(watchdog, 0, &ts, NULL);
}

static void child(void)
{
    /* the handler runs with SIGALRM blocked and the child inherits that mask */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGALRM, &sa, NULL);
    alarm(10);
    for (int i = 0; i < 16; i++) {
        size_t n = (size_t)1 << (i + 3);          /* 8 B .. 256 KiB */
        void *p = malloc(n);
        if (!p) _exit(3);
        if (pmt_owns_ptr && !pmt_owns_ptr(p)) _exit(4);
        pmt_fill(p, n);
        if (pmt_find_bad(p, n, p) != (size_t)-1) _exit(5);
        free(p);
    }
    int i = (int)(forks_done % STABLE);
    if (pmt_find_bad(stable[i], stable_size(i), stable[i]) != (size_t)-1) _exit(6);
    free(stable[i]);
    _exit(0);
}

static void on_alarm(int sig)
{
    (void)sig;
    if (forks_done >= forks_wanted || ops_since_fork < 100) return;
    ops_since_fork = 0;
    int saved = errno;
    pid_t c = fork();
    if (c == 0) child();
    if (c > 0) {
        int st;
        if (waitpid(c, &st, 0) == c && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            child_failed = 1;
            child_status = st;
        }
        forks_done++;
        watchdog_arm();
    }
    errno = saved;
}

int main(int argc, char **argv)
{
    forks_wanted = pmt_arg(argc, argv, 1, 200);
    pmt_init("fork_signal");
    for (int i = 0; i < STABLE; i++) {
        stable[i] = malloc(stable_size(i));
        if (!stable[i]) pmt_fail("malloc returned NULL");
        pmt_fill(stable[i], stable_size(i));
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_watchdog;
    sigaction(SIGUSR2, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR2;
    if (timer_create(CLOCK_MONOTONIC, &ev, &watchdog) != 0) pmt_fail("timer_create: %s", strerror(errno));
    watchdog_arm();

    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};       /* every millisecond */
    setitimer(ITIMER_REAL, &it, NULL);

    enum { N = 128 };
    void *p[N] = {0};
    size_t n[N] = {0};
    uint64_t rng = 1;
    long ops = 0;
    while (forks_done < forks_wanted && !child_failed) {
        uint64_t r = pmt_rand(&rng);
        unsigned i = (unsigned)(r % N);
        /* only the head of each block is filled: the time goes into malloc and free, where
         * the signal should land */
        if (p[i]) {
            pmt_check(p[i], n[i] < 512 ? n[i] : 512, "main loop free");
            if (r & 0x100) {
                size_t m = 1 + (size_t)((r >> 24) % 3000);
                void *q = realloc(p[i], m);
                if (!q) pmt_fail("realloc returned NULL");
                pmt_check_realloc(q, n[i] < 512 ? n[i] : 512, m, p[i], "main loop");
                free(q);
            } else {
                free(p[i]);
            }
        }
        switch ((r >> 12) % 32) {
        case 0: n[i] = (1 << 20) + (size_t)((r >> 20) % (3 << 20)); break;   /* huge */
        case 1: case 2: n[i] = (32 << 10) + (size_t)((r >> 20) % (400 << 10)); break;
        default: n[i] = 1 + (size_t)((r >> 20) % 2000);
        }
        p[i] = (r & 0x200) ? calloc(1, n[i]) : malloc(n[i]);
        if (!p[i]) pmt_fail("malloc(%zu) returned NULL", n[i]);
        pmt_owned(p[i], "main loop malloc");
        pmt_fill(p[i], n[i] < 512 ? n[i] : 512);
        ops++;
        ops_since_fork++;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    timer_delete(watchdog);
    if (child_failed) {
        int st = child_status;
        pmt_fail("a child forked from the signal handler failed: %s %d%s",
                 WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                 WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
    }
    for (int i = 0; i < N; i++)
        if (p[i]) { pmt_check(p[i], n[i] < 512 ? n[i] : 512, "final free"); free(p[i]); }
    for (int i = 0; i < STABLE; i++) { pmt_check(stable[i], stable_size(i), "stable block"); free(stable[i]); }
    printf("fork_signal: %ld forks from a SIGALRM handler over %ld allocations: OK\n",
           (long)forks_done, ops);
    return 0;
}
