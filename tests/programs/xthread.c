/* Cross-thread frees.
 *
 * usage: xthread [blocks-per-producer=50000]
 *
 * 1. Producer/consumer: producers allocate blocks and pass them through a queue; consumers
 *    check and free them. Every free is a free from a thread that did not allocate the block.
 * 2. Orphans: threads allocate blocks and exit; the blocks are freed later, interleaved, by
 *    the main thread and by new threads, while those allocate again (memory of the exited
 *    heaps is reused). Every block that is still live is checked at the end, so a block
 *    handed out twice shows up as corrupted contents. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define QCAP 256

struct item { void *p; size_t n; };

/* A bounded queue under one mutex: simple, and ordering across threads is what we want. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    struct item slot[QCAP];
    size_t head, count;
    int producers_left;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {{0, 0}}, 0, 0, PRODUCERS };

static long per_producer;

static size_t pick_size(uint64_t *rng)
{
    uint64_t r = pmt_rand(rng);
    switch (r % 16) {
    case 0: return 4096 + (size_t)((r >> 8) % (256 << 10));   /* up to 260 KiB */
    case 1: return 1 + (size_t)((r >> 8) % 4096);
    default: return 1 + (size_t)((r >> 8) % 512);
    }
}

static void *alloc_filled(size_t n, const char *what)
{
    void *p = malloc(n);
    if (!p) pmt_fail("%s: malloc(%zu) returned NULL", what, n);
    pmt_owned(p, what);
    pmt_fill(p, n);
    return p;
}

static void check_free(struct item it, const char *what)
{
    pmt_check(it.p, it.n, what);
    pmt_owned(it.p, what);
    free(it.p);
}

static void *producer(void *arg)
{
    uint64_t rng = pmt_seed(11, (uint64_t)(long)arg);
    for (long i = 0; i < per_producer; i++) {
        struct item it;
        it.n = pick_size(&rng);
        it.p = alloc_filled(it.n, "producer malloc");
        pthread_mutex_lock(&q.lock);
        while (q.count == QCAP) pthread_cond_wait(&q.not_full, &q.lock);
        q.slot[(q.head + q.count++) % QCAP] = it;
        pthread_cond_signal(&q.not_empty);
        pthread_mutex_unlock(&q.lock);
    }
    pthread_mutex_lock(&q.lock);
    q.producers_left--;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
    return NULL;
}

static void *consumer(void *arg)
{
    long *freed = (long *)arg;
    for (;;) {
        pthread_mutex_lock(&q.lock);
        while (q.count == 0 && q.producers_left > 0) pthread_cond_wait(&q.not_empty, &q.lock);
        if (q.count == 0) { pthread_mutex_unlock(&q.lock); return NULL; }
        struct item it = q.slot[q.head];
        q.head = (q.head + 1) % QCAP;
        q.count--;
        pthread_cond_signal(&q.not_full);
        pthread_mutex_unlock(&q.lock);
        check_free(it, "consumer free");
        ++*freed;
    }
}

static void producer_consumer(void)
{
    pthread_t p[PRODUCERS], c[CONSUMERS];
    long freed[CONSUMERS] = {0};
    for (long i = 0; i < CONSUMERS; i++) pthread_create(&c[i], NULL, consumer, &freed[i]);
    for (long i = 0; i < PRODUCERS; i++) pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < PRODUCERS; i++) pthread_join(p[i], NULL);
    long total = 0;
    for (int i = 0; i < CONSUMERS; i++) { pthread_join(c[i], NULL); total += freed[i]; }
    if (total != PRODUCERS * per_producer)
        pmt_fail("producer/consumer: %ld blocks freed, %ld produced", total, PRODUCERS * per_producer);
}

/* ---- orphans ------------------------------------------------------------------------------ */

#define ORPHAN_THREADS 8
#define ORPHANS 4000                   /* per thread */
static struct item orphans[ORPHAN_THREADS][ORPHANS];

static void *orphan_maker(void *arg)
{
    long t = (long)arg;
    uint64_t rng = pmt_seed(23, (uint64_t)t);
    for (int i = 0; i < ORPHANS; i++) {
        orphans[t][i].n = pick_size(&rng);
        orphans[t][i].p = alloc_filled(orphans[t][i].n, "orphan malloc");
    }
    /* free a third itself, so the pages it abandons are partly free */
    for (int i = 0; i < ORPHANS; i += 3) {
        check_free(orphans[t][i], "orphan owner free");
        orphans[t][i].p = NULL;
    }
    return NULL;
}

/* A reaper frees the orphans of a range of dead threads and allocates new blocks meanwhile,
 * which it keeps in the freed slots (checked at the end). */
struct reap { int first, step; };

static void *reaper(void *arg)
{
    struct reap *r = (struct reap *)arg;
    uint64_t rng = pmt_seed(31, (uint64_t)r->first);
    for (int t = 0; t < ORPHAN_THREADS; t++)
        for (int i = r->first; i < ORPHANS; i += r->step) {
            if (orphans[t][i].p) check_free(orphans[t][i], "late free of an exited thread's block");
            orphans[t][i].n = pick_size(&rng);
            orphans[t][i].p = alloc_filled(orphans[t][i].n, "reaper malloc");
        }
    return NULL;
}

static void orphaned_blocks(void)
{
    pthread_t tid[ORPHAN_THREADS];
    for (long t = 0; t < ORPHAN_THREADS; t++) pthread_create(&tid[t], NULL, orphan_maker, (void *)t);
    for (int t = 0; t < ORPHAN_THREADS; t++) pthread_join(tid[t], NULL);

    /* two new threads and the main thread share out the slots: i % 3 */
    struct reap r[3] = {{0, 3}, {1, 3}, {2, 3}};
    pthread_t rt[2];
    pthread_create(&rt[0], NULL, reaper, &r[0]);
    pthread_create(&rt[1], NULL, reaper, &r[1]);
    reaper(&r[2]);
    pthread_join(rt[0], NULL);
    pthread_join(rt[1], NULL);

    /* every block is live now: check all, then free from this thread */
    for (int t = 0; t < ORPHAN_THREADS; t++)
        for (int i = 0; i < ORPHANS; i++) pmt_check(orphans[t][i].p, orphans[t][i].n, "live block after reuse");
    for (int t = 0; t < ORPHAN_THREADS; t++)
        for (int i = 0; i < ORPHANS; i++) check_free(orphans[t][i], "final free");
}

int main(int argc, char **argv)
{
    per_producer = pmt_arg(argc, argv, 1, 50000);
    pmt_init("xthread");
    producer_consumer();
    orphaned_blocks();
    printf("xthread: %ld blocks through the queue, %d orphans: OK\n", PRODUCERS * per_producer,
           ORPHAN_THREADS * ORPHANS);
    return 0;
}
