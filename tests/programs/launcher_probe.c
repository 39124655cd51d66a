/* Run by tests/scripts/launcher.sh and install_pkgconfig.sh under poolmalloc-run (and once
 * without it). Not linked with poolmalloc: prints "poolmalloc: yes" when pm_owns resolves at
 * run time (dlsym) and owns a fresh malloc block, "poolmalloc: no" when pm_owns is absent.
 * Exits with the status given as its argument (default 0), so the launcher's pass-through of
 * exit statuses can be checked. */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int (*owns)(const void *) = NULL;
    void *sym = dlsym(RTLD_DEFAULT, "pm_owns");
    memcpy(&owns, &sym, sizeof sym);
    if (!owns) {
        puts("poolmalloc: no");
    } else {
        void *p = malloc(48);
        if (!p || !owns(p)) {
            puts("FAIL: pm_owns is present but malloc's block is not poolmalloc's");
            return 1;
        }
        free(p);
        puts("poolmalloc: yes");
    }
    return argc > 1 ? atoi(argv[1]) : 0;
}
