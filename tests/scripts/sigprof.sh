#!/bin/sh
# A SIGPROF handler that mallocs and frees, fired by ITIMER_PROF while the program allocates
# (tests/programs/sigprof.c): one thread, then with a second allocating thread.
# Poolmalloc only: glibc's malloc deadlocks here once there is a second thread.
. tests/scripts/lib/common.sh
need_prog sigprof
run_pm "sigprof, one thread" 60 "$PROGS/sigprof" 500
run_pm "sigprof, two threads" 60 "$PROGS/sigprof" 500 1
