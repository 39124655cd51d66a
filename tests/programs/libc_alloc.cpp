// Is every allocation of the process poolmalloc's? The malloc family, the C++ operators, and
// the allocations glibc makes for its callers (strdup, asprintf, getline, fopen and its
// buffer, realpath, getcwd); and does the brk heap stay where it was (glibc's malloc grows
// it with sbrk, poolmalloc maps its memory)?
//
// Built three ways: plain (tests/programs, run under LD_PRELOAD: pm_owns comes from dlsym),
// and by the link scripts with -DPM_LINKED against libpoolmalloc.a or -lpoolmalloc (pm_owns
// declared by poolmalloc.h and linked directly). With PMTEST_GLIBC=1 (plain build, no
// library) the ownership checks are off and the brk heap must move instead, which shows that
// the sbrk check can fail.
#include "pmtest.h"

#include <limits.h>
#include <malloc.h>

#include <new>
#include <string>
#include <vector>

#ifdef PM_LINKED
#include "poolmalloc.h"
#define OWNS(p) pm_owns(p)
#else
#define OWNS(p) (pmt_owns_ptr ? pmt_owns_ptr(p) : 1)
#endif

static int failures;

static void expect_owned(const void *p, const char *what)
{
    if (!p) {
        fprintf(stderr, "FAIL: %s returned NULL\n", what);
        failures++;
    } else if (!OWNS(p)) {
        fprintf(stderr, "FAIL: %s: %p is not poolmalloc's (pm_owns returned 0)\n", what, p);
        failures++;
    }
}

static void malloc_family()
{
    void *p = malloc(100);
    expect_owned(p, "malloc(100)");
    free(p);
    p = calloc(10, 30);
    expect_owned(p, "calloc(10, 30)");
    p = realloc(p, 1 << 20);
    expect_owned(p, "realloc to 1 MiB");
    free(p);
    p = aligned_alloc(256, 1000);
    expect_owned(p, "aligned_alloc(256, 1000)");
    free(p);
    p = memalign(4096, 100);
    expect_owned(p, "memalign(4096, 100)");
    free(p);
    p = nullptr;
    if (posix_memalign(&p, 64, 200) != 0) p = nullptr;
    expect_owned(p, "posix_memalign(64, 200)");
    free(p);
    p = valloc(10);
    expect_owned(p, "valloc(10)");
    free(p);
    p = malloc(8 << 20);
    expect_owned(p, "malloc(8 MiB)");
    free(p);
}

static void cxx_operators()
{
    int *i = new int(5);
    expect_owned(i, "new int");
    delete i;
    char *a = new char[3000];
    expect_owned(a, "new char[3000]");
    delete[] a;
    struct alignas(128) Wide { char c[128]; };
    Wide *w = new Wide;
    expect_owned(w, "new of a 128-aligned type");
    delete w;
    void *n = ::operator new(50, std::nothrow);
    expect_owned(n, "operator new(nothrow)");
    ::operator delete(n);
    void *al = ::operator new(100, std::align_val_t(4096));
    expect_owned(al, "operator new(align_val_t 4096)");
    ::operator delete(al, std::align_val_t(4096));
    std::string s(500, 'x');
    expect_owned(s.data(), "std::string buffer");
    std::vector<long> v(10000, 1);
    expect_owned(v.data(), "std::vector buffer");
}

static void libc_internal()
{
    char *d = strdup("poolmalloc strdup");
    expect_owned(d, "strdup");
    free(d);
    d = strndup("poolmalloc strndup", 10);
    expect_owned(d, "strndup");
    free(d);
    char *s = nullptr;
    if (asprintf(&s, "%d %s", 42, "asprintf") < 0) s = nullptr;
    expect_owned(s, "asprintf");
    free(s);

    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        fprintf(stderr, "FAIL: fopen(/proc/self/maps): %s\n", strerror(errno));
        failures++;
        return;
    }
    expect_owned(f, "fopen's FILE");
    char *line = nullptr;
    size_t cap = 0;
    if (getline(&line, &cap, f) < 0) line = nullptr;
    expect_owned(line, "getline's buffer");
    expect_owned(f->_IO_buf_base, "the FILE's stdio buffer");
    free(line);
    fclose(f);

    char *rp = realpath("/proc/self/exe", nullptr);
    expect_owned(rp, "realpath(..., NULL)");
    free(rp);
    char *cwd = getcwd(nullptr, 0);
    expect_owned(cwd, "getcwd(NULL, 0)");
    free(cwd);
}

// Many mallocs of the sizes glibc serves from the brk heap: sbrk(0) must not move.
static void brk_heap()
{
    void *before = sbrk(0);
    std::vector<void *> v;
    v.reserve(20000);
    for (int i = 0; i < 20000; i++) {
        size_t n = 16 + (size_t)(i * 131 % 4000);
        void *p = malloc(n);
        if (!p) { fprintf(stderr, "FAIL: malloc returned NULL\n"); exit(1); }
        memset(p, 1, n);
        v.push_back(p);
    }
    void *after = sbrk(0);
    for (void *p : v) free(p);
#ifndef PM_LINKED
    if (pmt_glibc) {
        if (before == after) {
            fprintf(stderr, "FAIL: glibc's malloc did not move sbrk(0): the check cannot fail\n");
            failures++;
        }
        return;
    }
#endif
    if (before != after) {
        fprintf(stderr, "FAIL: sbrk(0) moved from %p to %p over 20000 mallocs: "
                "something still allocates from the brk heap (glibc's malloc?)\n", before, after);
        failures++;
    }
}

int main()
{
#ifndef PM_LINKED
    pmt_init("libc_alloc");
#endif
    malloc_family();
    cxx_operators();
    libc_internal();
    brk_heap();
    if (failures) return 1;
#ifndef PM_LINKED
    if (pmt_glibc) {
        printf("libc_alloc: glibc's malloc in use, ownership not checked, brk heap moved: OK\n");
        return 0;
    }
#endif
    printf("libc_alloc: every allocation is poolmalloc's, the brk heap did not move: OK\n");
    return 0;
}
