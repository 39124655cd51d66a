/* fork: the child goes on using the heap it inherited.
 *
 * usage: fork_child [forks=20]
 *
 * The parent holds blocks of many sizes, some allocated by a second thread that is alive (and
 * idle) at every fork. Each child checks the inherited blocks, frees half of them (also the
 * other thread's), reallocs some, allocates new ones, starts a thread that allocates and frees
 * inherited blocks, and forks a grandchild that does the same, then exits 0. An alarm in each
 * child turns a deadlock into a SIGALRM death that the parent reports. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#define NBLOCKS 600
static void *blk[NBLOCKS];
static size_t len[NBLOCKS];

static size_t size_of(int i)
{
    if (i % 100 == 99) return (size_t)(3 << 20) + (size_t)i;     /* huge */
    if (i % 20 == 19) return (size_t)(100 << 10) + (size_t)i * 7; /* large */
    return 1 + (size_t)(i * 37 % 3000);
}

static void fill_slot(int i, const char *what)
{
    len[i] = size_of(i);
    blk[i] = malloc(len[i]);
    if (!blk[i]) pmt_fail("%s: malloc(%zu) returned NULL", what, len[i]);
    pmt_owned(blk[i], what);
    pmt_fill(blk[i], len[i]);
}

static void free_slot(int i, const char *what)
{
    pmt_check(blk[i], len[i], what);
    pmt_owned(blk[i], what);
    free(blk[i]);
    blk[i] = NULL;
}

static void check_all(const char *what)
{
    for (int i = 0; i < NBLOCKS; i++)
        if (blk[i]) pmt_check(blk[i], len[i], what);
}

/* ---- the parent's second thread: allocates the odd slots, then idles -------------------- */
static pthread_mutex_t idle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cond = PTHREAD_COND_INITIALIZER;
static int helper_ready, helper_stop;

static void *helper(void *arg)
{
    (void)arg;
    for (int i = 1; i < NBLOCKS; i += 2) fill_slot(i, "helper malloc");
    pthread_mutex_lock(&idle_lock);
    helper_ready = 1;
    pthread_cond_broadcast(&idle_cond);
    while (!helper_stop) pthread_cond_wait(&idle_cond, &idle_lock);
    pthread_mutex_unlock(&idle_lock);
    return NULL;
}

/* ---- what every child does --------------------------------------------------------------- */
static void *child_thread(void *arg)
{
    int start = (int)(long)arg;
    void *mine[200];
    for (int i = 0; i < 200; i++) {
        mine[i] = malloc((size_t)(i * 13 % 700) + 1);
        if (!mine[i]) pmt_fail("child thread: malloc returned NULL");
        pmt_owned(mine[i], "child thread malloc");
        pmt_fill(mine[i], (size_t)(i * 13 % 700) + 1);
    }
    for (int i = start; i < NBLOCKS; i += 4)      /* inherited blocks, freed by a new thread */
        if (blk[i]) free_slot(i, "child thread free of an inherited block");
    for (int i = 0; i < 200; i++) {
        pmt_check(mine[i], (size_t)(i * 13 % 700) + 1, "child thread block");
        free(mine[i]);
    }
    return NULL;
}

static void child_work(const char *who, int depth, int gen)
{
    char what[64];
    snprintf(what, sizeof what, "%s: inherited block", who);
    check_all(what);
    /* free half, realloc a few, allocate new blocks in the freed slots */
    for (int i = gen % 2; i < NBLOCKS; i += 2) free_slot(i, "child free of an inherited block");
    for (int i = 3; i < NBLOCKS; i += 10) {
        if (!blk[i]) continue;
        void *q = realloc(blk[i], len[i] * 2 + 1);
        if (!q) pmt_fail("child realloc returned NULL");
        pmt_check_realloc(q, len[i], len[i] * 2 + 1, blk[i], "child realloc of an inherited block");
        blk[i] = q;
        len[i] = len[i] * 2 + 1;
        pmt_owned(q, "child realloc");
        pmt_fill(q, len[i]);
    }
    for (int i = gen % 2; i < NBLOCKS; i += 2) fill_slot(i, "child malloc");
    pthread_t t;
    int e = pthread_create(&t, NULL, child_thread, (void *)(long)(gen % 4));
    if (e) pmt_fail("%s: pthread_create: %s", who, strerror(e));
    pthread_join(t, NULL);
    if (depth == 0) {
        pid_t g = fork();
        if (g < 0) pmt_fail("fork (grandchild): %s", strerror(errno));
        if (g == 0) {
            alarm(20);
            child_work("grandchild", 1, gen + 1);
            _exit(0);
        }
        int st;
        if (waitpid(g, &st, 0) != g) pmt_fail("waitpid (grandchild) failed");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            pmt_fail("grandchild failed: %s %d%s", WIFSIGNALED(st) ? "signal" : "exit status",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                     WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
    }
    check_all("child, at the end");
}

int main(int argc, char **argv)
{
    long forks = pmt_arg(argc, argv, 1, 20);
    pmt_init("fork_child");
    for (int i = 0; i < NBLOCKS; i += 2) fill_slot(i, "parent malloc");
    pthread_t h;
    pthread_create(&h, NULL, helper, NULL);
    pthread_mutex_lock(&idle_lock);
    while (!helper_ready) pthread_cond_wait(&idle_cond, &idle_lock);
    pthread_mutex_unlock(&idle_lock);

    for (long f = 0; f < forks; f++) {
        pid_t c = fork();
        if (c < 0) pmt_fail("fork: %s", strerror(errno));
        if (c == 0) {
            alarm(20);
            child_work("child", 0, (int)f);
            _exit(0);
        }
        int st;
        if (waitpid(c, &st, 0) != c) pmt_fail("waitpid failed");
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            pmt_fail("child %ld failed: %s %d%s", f, WIFSIGNALED(st) ? "signal" : "exit status",
                     WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
                     WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? " (deadlocked)" : "");
        /* the parent's heap goes on working after the fork handlers ran */
        check_all("parent after fork");
        int i = (int)(f * 7 % NBLOCKS);
        free_slot(i, "parent free after fork");
        fill_slot(i, "parent malloc after fork");
    }
    pthread_mutex_lock(&idle_lock);
    helper_stop = 1;
    pthread_cond_broadcast(&idle_cond);
    pthread_mutex_unlock(&idle_lock);
    pthread_join(h, NULL);
    for (int i = 0; i < NBLOCKS; i++) free_slot(i, "parent final free");
    printf("fork_child: %ld forks (each with a grandchild): OK\n", forks);
    return 0;
}
