/* Multi-threaded stress of the global allocator.
 *
 * usage: stress [threads=4] [rounds=10] [iterations=20000] [seed=1]
 *
 * Every round starts `threads` fresh threads and joins them, so heaps of exited threads keep
 * being abandoned while their blocks are still alive. Each thread keeps its own set of blocks
 * and, through a shared exchange array (atomic exchange), swaps blocks with other threads
 * (the swapped-in block is freed later by a thread that did not allocate it, possibly after
 * its owner exited). Sizes run from 8 bytes to several MiB with a long tail. Every block
 * carries its size in its first word (xor'ed with an address-derived key) and the pattern
 * after it, checked before every free and realloc. */
#define _GNU_SOURCE 1
#include "pmtest.h"

#include <pthread.h>
#include <stdatomic.h>

#define EXCHANGE 1024    /* slots shared by all threads, kept across rounds */
#define LOCAL 512        /* blocks one thread holds at most */
#define MAX_SIZE ((size_t)8 << 20)

static _Atomic(void *) exchange[EXCHANGE];
static long iterations;
static uint64_t base_seed;
static atomic_ulong total_allocs;

/* Sizes: mostly small, with a tail up to MAX_SIZE (about 1 in 2000 above 1 MiB). */
static size_t pick_size(uint64_t *rng)
{
    uint64_t r = pmt_rand(rng);
    unsigned k = (unsigned)(r % 10000);
    size_t lo, hi;
    if (k < 8000)      { lo = 8;            hi = 256; }
    else if (k < 9500) { lo = 256;          hi = 4096; }
    else if (k < 9900) { lo = 4096;         hi = 64 << 10; }
    else if (k < 9995) { lo = 64 << 10;     hi = 1 << 20; }
    else               { lo = 1 << 20;      hi = MAX_SIZE; }
    return lo + (size_t)((r >> 20) % (hi - lo + 1));
}

/* A block: word 0 holds size ^ key(address); bytes 8.. hold the pattern of (p + 8), so that
 * the checker can run pmt_find_bad on the part after the size word. */
static void block_seal(void *p, size_t n)
{
    pmt_fill((unsigned char *)p + 8, n - 8);
    uint64_t w = pmt_word(p, 0) ^ (uint64_t)n;
    memcpy(p, &w, 8);
}

static void *block_alloc(size_t n)
{
    void *p = malloc(n);
    if (!p) pmt_fail("stress: malloc(%zu) returned NULL", n);
    pmt_owned(p, "stress malloc");
    block_seal(p, n);
    atomic_fetch_add_explicit(&total_allocs, 1, memory_order_relaxed);
    return p;
}

/* The size of a block, checked for plausibility, then its contents. */
static size_t block_check(const void *p, const char *what)
{
    uint64_t w;
    memcpy(&w, p, 8);
    size_t n = (size_t)(w ^ pmt_word(p, 0));
    if (n < 8 || n > MAX_SIZE) pmt_fail("%s: block %p has a corrupted size word (%#zx)", what, p, n);
    size_t bad = pmt_find_bad((const unsigned char *)p + 8, n - 8, (const unsigned char *)p + 8);
    if (bad != (size_t)-1)
        pmt_fail("%s: block %p of %zu bytes corrupted at offset %zu", what, p, n, bad + 8);
    return n;
}

static void block_free(void *p, const char *what)
{
    if (!p) return;
    block_check(p, what);
    pmt_owned(p, what);
    free(p);
}

/* realloc keeps the old contents: compare the kept prefix with the old address's pattern,
 * then reseal for the new address. */
static void *block_realloc(void *p, size_t n)
{
    size_t old = block_check(p, "stress realloc (before)");
    unsigned char *q = (unsigned char *)realloc(p, n);
    if (!q) pmt_fail("stress: realloc(%p, %zu) returned NULL", p, n);
    pmt_owned(q, "stress realloc");
    pmt_check_realloc(q + 8, old - 8, n - 8, (unsigned char *)p + 8, "stress realloc");
    block_seal(q, n);
    return q;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    void *local[LOCAL] = {0};
    uint64_t rng = pmt_seed(base_seed, (uint64_t)id);

    for (long it = 0; it < iterations; it++) {
        uint64_t r = pmt_rand(&rng);
        size_t slot = (size_t)(r % LOCAL);
        unsigned op = (unsigned)((r >> 32) % 100);
        if (op < 60) {                    /* replace a local block */
            block_free(local[slot], "stress free");
            local[slot] = block_alloc(pick_size(&rng));
        } else if (op < 70) {             /* grow or shrink one */
            if (local[slot]) local[slot] = block_realloc(local[slot], pick_size(&rng));
        } else if (op < 85) {             /* swap with the exchange array */
            size_t x = (size_t)((r >> 16) % EXCHANGE);
            if (!local[slot]) local[slot] = block_alloc(pick_size(&rng));
            local[slot] = atomic_exchange(&exchange[x], local[slot]);
        } else {                          /* free one */
            block_free(local[slot], "stress free");
            local[slot] = NULL;
        }
    }
    /* Keep a few blocks in the exchange array past this thread's exit; free the rest. */
    for (size_t i = 0; i < LOCAL; i++) {
        if (local[i] && i % 8 == 0) {
            size_t x = (size_t)(pmt_rand(&rng) % EXCHANGE);
            local[i] = atomic_exchange(&exchange[x], local[i]);
        }
        block_free(local[i], "stress free at thread exit");
        local[i] = NULL;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = pmt_arg(argc, argv, 1, 4);
    long rounds = pmt_arg(argc, argv, 2, 10);
    iterations = pmt_arg(argc, argv, 3, 20000);
    base_seed = (uint64_t)pmt_arg(argc, argv, 4, 1);
    pmt_init("stress");

    pthread_t *tid = (pthread_t *)malloc(sizeof(pthread_t) * (size_t)threads);
    if (!tid) pmt_fail("stress: malloc of the thread table failed");
    for (long round = 0; round < rounds; round++) {
        for (long t = 0; t < threads; t++) {
            int e = pthread_create(&tid[t], NULL, worker, (void *)(round * threads + t));
            if (e) pmt_fail("stress: pthread_create: %s", strerror(e));
        }
        for (long t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    }
    /* The main thread frees what is left: blocks of many exited threads. */
    for (size_t i = 0; i < EXCHANGE; i++)
        block_free(atomic_exchange(&exchange[i], NULL), "stress final free");
    free(tid);
    printf("stress: %ld threads x %ld rounds x %ld iterations, %lu allocations: OK\n", threads,
           rounds, iterations, (unsigned long)atomic_load(&total_allocs));
    return 0;
}
