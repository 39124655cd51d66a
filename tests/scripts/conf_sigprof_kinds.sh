#!/bin/sh
# A SIGPROF handler that allocates small, large and huge blocks while the program does the
# same (tests/programs/conf_sigprof_kinds.c): no crash, no corrupted block, no hang; one
# thread, then with a second allocating thread. Poolmalloc only (glibc's malloc is not
# reentrant). tests/scripts/sigprof.sh covers handlers that allocate small blocks.
. tests/scripts/lib/common.sh
need_prog conf_sigprof_kinds
# A handler that interrupted code holding the large-arena or huge-table lock must not wait
# for it: its allocation may fail (ENOMEM, which the program tolerates) and its free is
# deferred to the next holder of the lock.
run_pm "conf_sigprof_kinds, one thread" 60 "$PROGS/conf_sigprof_kinds" 1500
run_pm "conf_sigprof_kinds, two threads" 60 "$PROGS/conf_sigprof_kinds" 1500 1
