/* Shared helpers for the program-based tests in tests/programs.
 *
 * - An address-derived fill pattern: written when a block is allocated, verified before it is
 *   freed. Two live blocks that overlap, a block handed out twice or a stray write from the
 *   allocator all show up as a mismatch.
 * - The proof that poolmalloc served the blocks: pm_owns is resolved at run time with
 *   dlsym(RTLD_DEFAULT) (the programs are not linked with poolmalloc; the scripts preload it).
 *   PMTEST_GLIBC=1 (set only by our scripts for the runs without the library) turns that
 *   around: pm_owns must then be absent, and blocks are not checked against it.
 *
 * Every failure prints "FAIL: ..." on stderr and exits with status 1 at once (_exit, so that
 * other threads and atexit handlers cannot hide or delay it). */
#ifndef PMTEST_H
#define PMTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((noreturn, format(printf, 1, 2), unused)) static void pmt_fail(const char *fmt, ...)
{
    /* vsnprintf into a stack buffer and write(2): no stdio buffer, safe in a signal handler
     * for the formats we use, and the message is out before we exit. */
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n > sizeof buf - 2) n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    ssize_t w1 = write(2, "FAIL: ", 6);
    ssize_t w2 = write(2, buf, (size_t)n);
    (void)w1; (void)w2;
    _exit(1);
}

/* ---- pattern ---------------------------------------------------------------------------- */

/* The 64-bit word expected at word index i of a block that starts at `block`. */
static inline uint64_t pmt_word(const void *block, size_t i)
{
    return ((uint64_t)(uintptr_t)block >> 4) ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
}

/* Blocks up to this size are filled entirely; bigger ones at their head and tail and one word
 * per 4 KiB in between, so that multi-MiB blocks stay cheap and do not touch every page. */
#define PMT_FULL_FILL ((size_t)256 * 1024)
#define PMT_EDGE ((size_t)32 * 1024)

/* The first word index >= i that the pattern covers in a block of `words` words. */
static inline size_t pmt_next(size_t i, size_t words)
{
    size_t off = i * 8, tail = words * 8 - PMT_EDGE;
    if (words * 8 <= PMT_FULL_FILL || off < PMT_EDGE || off >= tail) return i;
    size_t next = (off + 4095) & ~(size_t)4095;
    return (next < tail ? next : tail) / 8;
}

/* Fill n bytes at p. The trailing n % 8 bytes get the low bytes of the next word. */
static inline void pmt_fill(void *p, size_t n)
{
    unsigned char *b = (unsigned char *)p;
    size_t words = n / 8;
    for (size_t i = pmt_next(0, words); i < words; i = pmt_next(i + 1, words)) {
        uint64_t w = pmt_word(p, i);
        memcpy(b + i * 8, &w, 8);
    }
    uint64_t t = pmt_word(p, words);
    for (size_t j = 0; j < n % 8; j++) b[words * 8 + j] = (unsigned char)(t >> (8 * j));
}

/* Verify what pmt_fill(p, n) wrote, as if the block had been filled at address `as`
 * (as == p normally; the old address after a realloc moved the contents). Returns the byte
 * offset of the first mismatch, or (size_t)-1. */
static inline size_t pmt_find_bad(const void *p, size_t n, const void *as)
{
    const unsigned char *b = (const unsigned char *)p;
    size_t words = n / 8;
    for (size_t i = pmt_next(0, words); i < words; i = pmt_next(i + 1, words)) {
        uint64_t w;
        memcpy(&w, b + i * 8, 8);
        if (w != pmt_word(as, i)) return i * 8;
    }
    uint64_t t = pmt_word(as, words);
    for (size_t j = 0; j < n % 8; j++)
        if (b[words * 8 + j] != (unsigned char)(t >> (8 * j))) return words * 8 + j;
    return (size_t)-1;
}

/* Fail with a clear message unless the n bytes at p still hold their pattern. */
static inline void pmt_check(const void *p, size_t n, const char *what)
{
    size_t bad = pmt_find_bad(p, n, p);
    if (bad != (size_t)-1)
        pmt_fail("%s: block %p of %zu bytes corrupted at offset %zu", what, p, n, bad);
}

/* After q = realloc(old_p, new_n) of a block of old_n bytes filled at old_p: fail unless the
 * kept prefix still holds old_p's pattern (whole words only; only the head of a block too big
 * to have been filled entirely). */
static inline void pmt_check_realloc(const void *q, size_t old_n, size_t new_n, const void *old_p,
                                     const char *what)
{
    size_t cmp = (old_n < new_n ? old_n : new_n) & ~(size_t)7;
    if ((old_n & ~(size_t)7) > PMT_FULL_FILL && cmp > PMT_EDGE) cmp = PMT_EDGE;
    size_t bad = pmt_find_bad(q, cmp, old_p);
    if (bad != (size_t)-1)
        pmt_fail("%s: realloc %p -> %p (%zu -> %zu bytes) lost the contents at offset %zu", what,
                 old_p, q, old_n, new_n, bad);
}

/* ---- was poolmalloc in use? -------------------------------------------------------------- */

typedef int (*pmt_owns_fn)(const void *);
static pmt_owns_fn pmt_owns_ptr;
static int pmt_glibc;

/* Call once at the start of main, before any thread starts. */
static inline void pmt_init(const char *prog)
{
    const char *g = getenv("PMTEST_GLIBC");
    pmt_glibc = g && strcmp(g, "1") == 0;
    void *sym = dlsym(RTLD_DEFAULT, "pm_owns");
    memcpy(&pmt_owns_ptr, &sym, sizeof sym);
    if (pmt_glibc && pmt_owns_ptr)
        pmt_fail("%s: PMTEST_GLIBC=1 but pm_owns is present (poolmalloc is loaded)", prog);
    if (!pmt_glibc && !pmt_owns_ptr)
        pmt_fail("%s: pm_owns not found: poolmalloc is not loaded "
                 "(run under LD_PRELOAD=build/libpoolmalloc.so, or set PMTEST_GLIBC=1)", prog);
}

/* Fail unless poolmalloc owns p (a no-op in PMTEST_GLIBC mode). */
static inline void pmt_owned(const void *p, const char *what)
{
    if (pmt_owns_ptr && p && !pmt_owns_ptr(p))
        pmt_fail("%s: block %p is not poolmalloc's (pm_owns returned 0)", what, p);
}

/* ---- per-thread random numbers (xorshift64*) ------------------------------------------- */

static inline uint64_t pmt_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline uint64_t pmt_seed(uint64_t a, uint64_t b)
{
    uint64_t s = (a + 1) * 0x9E3779B97F4A7C15ull ^ (b + 7) * 0xD1B54A32D192ED03ull;
    return s ? s : 1;
}

/* Parse argv[i] as a positive integer, or return the default. */
/* A checked block of n bytes for a slot of an allocation loop: grown through realloc from
 * half its size (contents checked across the move) when `grow`, else from malloc or, when
 * `zeroed`, calloc; the first `head` bytes are filled with the pattern. */
static inline void *pmt_new_block(size_t n, size_t head, int grow, int zeroed)
{
    void *p;
    if (grow) {
        size_t half = n / 2 + 1, half_head = head < half ? head : half;
        p = malloc(half);
        if (!p) pmt_fail("malloc returned NULL");
        pmt_fill(p, half_head);
        void *q = realloc(p, n);
        if (!q) pmt_fail("realloc returned NULL");
        pmt_check_realloc(q, half_head, n, p, "main loop");
        p = q;
    } else {
        p = zeroed ? calloc(1, n) : malloc(n);
        if (!p) pmt_fail("malloc(%zu) returned NULL", n);
    }
    pmt_owned(p, "main loop malloc");
    pmt_fill(p, head);
    return p;
}

/* ITIMER_PROF as often as the kernel allows, delivering SIGPROF to `handler`; 0 stops it. */
static inline void pmt_prof_timer(void (*handler)(int))
{
    if (handler) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sa.sa_flags = SA_RESTART;
        sigaction(SIGPROF, &sa, NULL);
    }
    struct itimerval it = {{0, handler ? 100 : 0}, {0, handler ? 100 : 0}};
    setitimer(ITIMER_PROF, &it, NULL);
}

static inline long pmt_arg(int argc, char **argv, int i, long dflt)
{
    if (i >= argc) return dflt;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v <= 0) pmt_fail("bad argument '%s' (a positive integer)", argv[i]);
    return v;
}

#ifdef __cplusplus
}
#endif

#endif /* PMTEST_H */
