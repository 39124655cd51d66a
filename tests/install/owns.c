/* Built against an installed poolmalloc (pkg-config or CMake, shared or static) by
 * tests/scripts/install_*.sh. Prints OK when the program's malloc and pm_malloc are
 * poolmalloc's; otherwise FAIL and exit status 1. */
#include <poolmalloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int on_stack = 0;
    void *p = malloc(100);
    void *q = pm_malloc(100);
    if (!p || !q) {
        puts("FAIL: allocation failed");
        return 1;
    }
    if (!pm_owns(p)) {
        puts("FAIL: malloc's block is not poolmalloc's (malloc was not replaced)");
        return 1;
    }
    if (!pm_owns(q)) {
        puts("FAIL: pm_owns does not recognise a pm_malloc block");
        return 1;
    }
    if (pm_owns(&on_stack)) {
        puts("FAIL: pm_owns claims a stack address");
        return 1;
    }
    free(p);
    pm_free(q);
    puts("OK");
    return 0;
}
