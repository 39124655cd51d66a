/* The heap profiler's test program (tests/scripts/prof.sh). Every mode allocates from
 * three call sites in functions of their own, so the profile can be checked per site:
 *
 *   site_three   keeps 3/4 of the live bytes: blocks of mixed sizes (48 B .. 12 KiB, some
 *                large and huge blocks too), through malloc, calloc, realloc and
 *                posix_memalign;
 *   site_one     keeps 1/4 of the live bytes: 4 KiB blocks through malloc;
 *   site_churn   allocates as much again in blocks that are freed at once, from another
 *                thread for half of them: allocated space, never in use.
 *
 * Usage: prof_sites MODE MIB
 *   live  MIB    keeps 3*MIB/4 + MIB/4 MiB live until exit (the exit profile has them)
 *   leak  MIB    site_one's blocks are freed before exit, site_three's are not (the leak
 *                report must show site_three alone)
 *   dump  MIB    like live, and pm_prof_dump(argv[3]) before exit; prints "dumped"
 *   signal MIB   like live, and raise(SIGUSR2) before exit; prints "signalled"
 *   twins MIB    like live, but the 3:1 come from site_three_twin and site_one_twin, two
 *                functions with the same code and frame, called from the same depth: their
 *                samples start from the same stack address, which the profiler's stack
 *                cache must tell apart by their return addresses
 * It prints "live <bytes of site_three> <bytes of site_one>" on stdout. */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pm_prof_dump(const char *path) __attribute__((weak));

#define MAX_BLOCKS (1 << 20)
static void *g_three[MAX_BLOCKS], *g_one[MAX_BLOCKS];
static size_t g_n_three, g_n_one;

static void touch(void *p, size_t n) {
    if (!p) {
        fprintf(stderr, "FAIL: out of memory\n");
        exit(1);
    }
    memset(p, 0x5a, n < 64 ? n : 64);
}

/* Mixed sizes and entry points; returns the bytes requested. */
__attribute__((noinline)) static size_t site_three(unsigned i) {
    static const size_t sizes[] = {48, 100, 256, 700, 1024, 2000, 4096, 8000, 12288};
    size_t n = sizes[i % 9];
    void *p;
    switch (i % 4) {
        case 0: p = malloc(n); break;
        case 1: p = calloc(1, n); break;
        case 2: p = realloc(malloc(16), n); break;
        default: if (posix_memalign(&p, 64, n) != 0) p = NULL; break;
    }
    if (i % 997 == 0) {  /* now and then a large or a huge block */
        free(p);
        n = i % 2 ? 300 * 1024 : 5 * 1024 * 1024;
        p = malloc(n);
    }
    touch(p, n);
    g_three[g_n_three++] = p;
    return n;
}

__attribute__((noinline)) static size_t site_one(void) {
    void *p = malloc(4096);
    touch(p, 4096);
    g_one[g_n_one++] = p;
    return 4096;
}

/* The same bytes, the same frame; noipa keeps GCC from merging the two. */
__attribute__((noinline, noipa)) static size_t site_three_twin(void) {
    void *p = malloc(4096);
    touch(p, 4096);
    g_three[g_n_three++] = p;
    return 4096;
}

__attribute__((noinline, noipa)) static size_t site_one_twin(void) {
    void *p = malloc(4096);
    touch(p, 4096);
    g_one[g_n_one++] = p;
    return 4096;
}

static void *churn_free(void *arg) {
    void **v = arg;
    for (size_t i = 0; v[i]; ++i) free(v[i]);
    return NULL;
}

__attribute__((noinline)) static void site_churn(size_t bytes) {
    enum { BATCH = 256 };
    static void *batch[BATCH + 1];
    size_t done = 0;
    unsigned round = 0;
    while (done < bytes) {
        for (int i = 0; i < BATCH; ++i) {
            batch[i] = malloc(1536);
            touch(batch[i], 1536);
            done += 1536;
        }
        batch[BATCH] = NULL;
        if (round++ % 2) {
            pthread_t t;
            pthread_create(&t, NULL, churn_free, batch);
            pthread_join(t, NULL);
        } else {
            churn_free(batch);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s live|leak|dump|signal|twins MIB [PATH]\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    size_t total = strtoul(argv[2], NULL, 10) << 20;
    size_t three = 0, one = 0;
    unsigned i = 0;
    /* Interleaved, so that neither site owns a phase of the run. */
    int twins = strcmp(mode, "twins") == 0;
    while (three + one < total) {
        if (twins) {
            if (three <= 3 * one) three += site_three_twin(), ++i;
            else one += site_one_twin();
        } else if (three <= 3 * one) {
            three += site_three(i++);
        } else {
            one += site_one();
        }
        if ((i & 1023) == 0) site_churn(64 * 1024);
        if (g_n_three >= MAX_BLOCKS || g_n_one >= MAX_BLOCKS) break;
    }
    while (3 * one < three && g_n_one < MAX_BLOCKS) one += site_one();  /* 3:1 within 4 KiB */
    printf("live %zu %zu\n", three, one);
    if (strcmp(mode, "leak") == 0) {
        for (size_t k = 0; k < g_n_one; ++k) free(g_one[k]);
    } else if (strcmp(mode, "dump") == 0) {
        if (!pm_prof_dump) {
            fprintf(stderr, "FAIL: pm_prof_dump is not there\n");
            return 1;
        }
        if (pm_prof_dump(argv[3]) != 0) {
            perror("FAIL: pm_prof_dump");
            return 1;
        }
        printf("dumped\n");
    } else if (strcmp(mode, "signal") == 0) {
        raise(SIGUSR2);  /* prof_signal=SIGUSR2: a numbered profile */
        printf("signalled\n");
    } else if (strcmp(mode, "live") != 0 && !twins) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    fflush(stdout);
    return 0;
}
