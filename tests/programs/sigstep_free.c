/* The small free under a signal handler at every instruction: free() of a small block runs
 * with the trap flag set, so a SIGTRAP handler on the same thread runs after each of its
 * instructions and there mallocs and frees blocks of the same size (the same page's lists).
 * The fast free sets no re-entry mark, so its push onto the page's list must stay atomic
 * with respect to the handler's pushes and refills. Afterwards everything is freed: the heap
 * walk must find as many live blocks of that size as before (a push that a handler's push
 * overwrote would leave a block on no list, live forever). x86-64 only (exit 77 elsewhere,
 * or when pm_heap_walk is not there, as under another allocator). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define SIZE 48
#define ROUNDS 2000
#define HELD 6

typedef int (*walk_fn)(int (*)(void *, size_t, void *), void *);

static volatile sig_atomic_t stepping;
static long traps;
static void *held[HELD];
static int nheld;

#if defined(__x86_64__)
static void on_trap(int sig, siginfo_t *si, void *vctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = vctx;
    if (!stepping) {  /* back in main: stop stepping */
        uc->uc_mcontext.gregs[REG_EFL] &= ~0x100L;
        return;
    }
    traps++;
    /* Take a block, and now and then give back the ones held: the page's free list runs
     * empty at times, so the handler's malloc also takes the local list. */
    void *a = malloc(SIZE);
    if (nheld < HELD) {
        held[nheld++] = a;
    } else {
        free(a);
        while (nheld > 0) free(held[--nheld]);
    }
}

static int count_size(void *p, size_t usable, void *arg)
{
    (void)p;
    if (usable == SIZE) ++*(long *)arg;
    return 0;
}

static long live_blocks(walk_fn walk)
{
    long n = 0;
    walk(count_size, &n);
    return n;
}
#endif

int main(void)
{
#if !defined(__x86_64__)
    printf("sigstep_free: x86-64 only\n");
    return 77;
#else
    walk_fn walk = (walk_fn)dlsym(RTLD_DEFAULT, "pm_heap_walk");
    if (!walk) {
        printf("sigstep_free: no pm_heap_walk (not poolmalloc)\n");
        return 77;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTRAP, &sa, NULL);
    free(malloc(SIZE));  /* binds free before it is stepped */
    long before = live_blocks(walk);
    for (int i = 0; i < ROUNDS; ++i) {
        void *p = malloc(SIZE);
        stepping = 1;
        __asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq" ::: "memory", "cc");
        free(p);
        stepping = 0;
        __asm__ volatile("" ::: "memory");
    }
    while (nheld > 0) free(held[--nheld]);
    long after = live_blocks(walk);
    if (traps < ROUNDS * 10L) {
        printf("sigstep_free: FAIL: only %ld traps in %d stepped frees\n", traps, ROUNDS);
        return 1;
    }
    if (after != before) {
        printf("sigstep_free: FAIL: %ld live %d-byte blocks after freeing all, %ld before "
               "(%ld handler runs inside free)\n", after, SIZE, before, traps);
        return 1;
    }
    printf("sigstep_free: %d frees stepped, a handler allocating at each of %ld instructions: OK\n",
           ROUNDS, traps);
    return 0;
#endif
}
