/* Thread exit under LD_PRELOAD with pthread keys on both sides of poolmalloc's own.
 *
 * usage: conf_key_order [threads=500] [leak-check=0]
 *
 * poolmalloc retires a thread's heap from a pthread key destructor created when it starts.
 * This C program creates one key before its first malloc (if nothing allocated earlier, its
 * destructor runs before poolmalloc's) and one after (its destructor runs after poolmalloc's
 * teardown, in each of glibc's four destructor rounds). Both destructors re-arm themselves
 * for all four rounds; in every round they free the previous block, allocate and free small
 * and large blocks, use libc's own allocations (strdup, fopen/fclose) and keep one block
 * that another thread frees later. With leak-check=1 the address space must stay flat over
 * the threads (a heap revived in the last round must not stay behind per thread). */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <stdatomic.h>

#define ROUNDS 4 /* PTHREAD_DESTRUCTOR_ITERATIONS */

static pthread_key_t early_key, late_key;
static atomic_long dtor_runs;
static pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;
static void **late;
static size_t *late_n;
static size_t late_count, late_cap;

struct kv { void *p; size_t n; int round; pthread_key_t *key; };

static void *make(size_t n, const char *what)
{
    void *p = malloc(n);
    if (!p) pmt_fail("%s: malloc(%zu) returned NULL", what, n);
    pmt_owned(p, what);
    pmt_fill(p, n);
    return p;
}

static void keep(void *p, size_t n)
{
    pthread_mutex_lock(&late_lock);
    if (late_count == late_cap) {
        late_cap = late_cap ? 2 * late_cap : 1024;
        late = realloc(late, late_cap * sizeof *late);
        late_n = realloc(late_n, late_cap * sizeof *late_n);
        if (!late || !late_n) pmt_fail("realloc of the late list failed");
    }
    late[late_count] = p;
    late_n[late_count++] = n;
    pthread_mutex_unlock(&late_lock);
}

static void dtor(void *v)
{
    struct kv *kv = v;
    pmt_check(kv->p, kv->n, "key destructor: the value's block");
    free(kv->p);
    atomic_fetch_add(&dtor_runs, 1);
    for (size_t n = 24; n <= (300 << 10); n *= 7)
        free(make(n + (size_t)kv->round, "key destructor"));
    char *s = strdup("allocated by libc in a key destructor");
    if (!s) pmt_fail("strdup in a key destructor failed");
    pmt_owned(s, "strdup in a key destructor");
    free(s);
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) fclose(f);
    size_t kn = 40 + 100 * (size_t)kv->round;
    keep(make(kn, "key destructor kept block"), kn);
    if (kv->round < ROUNDS) {
        kv->round++;
        kv->n = (size_t)64 << kv->round;
        kv->p = make(kv->n, "key destructor re-arm");
        pthread_setspecific(*kv->key, kv);
    } else {
        free(kv);
    }
}

static void arm(pthread_key_t *key)
{
    struct kv *kv = malloc(sizeof *kv);
    if (!kv) pmt_fail("malloc returned NULL");
    kv->n = 48;
    kv->p = make(kv->n, "key value");
    kv->round = 1;
    kv->key = key;
    pthread_setspecific(*key, kv);
}

static void *body(void *arg)
{
    long id = (long)arg;
    void *mine[4];
    size_t n[4];
    for (int i = 0; i < 4; i++) {
        n[i] = 1 + (size_t)((id * 131 + i * 977) % 5000);
        mine[i] = make(n[i], "thread malloc");
    }
    arm(&early_key);
    arm(&late_key);
    for (int i = 0; i < 4; i++) {
        if (i % 2) keep(mine[i], n[i]);
        else { pmt_check(mine[i], n[i], "thread free"); free(mine[i]); }
    }
    return NULL;
}

static void *free_late(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&late_lock);
    for (size_t i = 0; i < late_count; i++) {
        pmt_check(late[i], late_n[i], "late free of a block kept by an exited thread");
        free(late[i]);
    }
    late_count = 0;
    pthread_mutex_unlock(&late_lock);
    return NULL;
}

static void run_threads(long count, long first)
{
    for (long i = 0; i < count; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, body, (void *)(first + i))) pmt_fail("pthread_create failed");
        pthread_join(t, NULL);
        if (i % 100 == 99) {
            pthread_t f;
            pthread_create(&f, NULL, free_late, NULL);
            pthread_join(f, NULL);
        }
    }
}

/* Virtual size of this process, from /proc/self/statm, in bytes. */
static size_t vm_size(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu", &pages) != 1) pages = 0;
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

int main(int argc, char **argv)
{
    if (pthread_key_create(&early_key, dtor)) return 2;   /* before the first malloc */
    long threads = pmt_arg(argc, argv, 1, 500);
    int leak_check = argc > 2 && strcmp(argv[2], "1") == 0;
    pmt_init("conf_key_order");
    free(malloc(1));
    if (pthread_key_create(&late_key, dtor)) pmt_fail("pthread_key_create failed");

    run_threads(50, 0);    /* warm the caches (stacks, segments) up */
    free_late(NULL);
    size_t before = vm_size();
    run_threads(threads, 50);
    free_late(NULL);
    size_t after = vm_size();
    long want = 2 * ROUNDS * (threads + 50);
    if (atomic_load(&dtor_runs) != want)
        pmt_fail("%ld destructor runs, expected %ld", atomic_load(&dtor_runs), want);
    if (leak_check && after > before + ((size_t)128 << 20))
        pmt_fail("%ld exited threads grew the address space by %zu MiB (a heap per thread left "
                 "behind?)", threads, (after - before) >> 20);
    free(late);
    free(late_n);
    printf("conf_key_order: %ld threads, %ld key destructor runs (keys %u and %u), address space "
           "%+ld MiB: OK\n", threads + 50, atomic_load(&dtor_runs), (unsigned)early_key,
           (unsigned)late_key, (long)(after - before) / (1 << 20));
    return 0;
}
