#!/bin/sh
# A SIGPROF handler that allocates small, large and huge blocks while the program does the
# same (tests/programs/conf_sigprof_kinds.c): no crash, no corrupted block, no hang; one
# thread, then with a second allocating thread. Poolmalloc only (glibc's malloc is not
# reentrant). tests/scripts/sigprof.sh covers handlers that allocate small blocks.
. tests/scripts/lib/common.sh
need_prog conf_sigprof_kinds
# Known runtime bug: a handler that allocates a large or huge block while the interrupted
# code holds the huge-mapping (or large-arena) lock waits for that lock forever
# (huge_malloc -> Lock::lock under huge_free -> munmap). PMTEST_RUN_KNOWN_BUGS=1 runs it.
[ -n "$PMTEST_RUN_KNOWN_BUGS" ] ||
    skip "known runtime bug: a SIGPROF handler allocating a large/huge block self-deadlocks"
run_pm "conf_sigprof_kinds, one thread" 60 "$PROGS/conf_sigprof_kinds" 1500
run_pm "conf_sigprof_kinds, two threads" 60 "$PROGS/conf_sigprof_kinds" 1500 1
