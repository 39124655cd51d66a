#!/bin/sh
# fork from a SIGUSR1 handler (signals sent by another process, as in glibc's
# tst-mallocfork2) that interrupted poolmalloc's code in malloc or free of any kind in a
# single-threaded process; each child allocates, frees pre-fork small, large and huge
# blocks, starts a thread that does the same, then exits 0 (tests/programs/conf_fork_signal.c).
# The forks interrupt updates at random points, so the runs are long enough to hit the
# locked paths' half-done updates (the child must set those structures aside). Poolmalloc
# only: glibc's malloc does not support a child that goes on allocating here.
. tests/scripts/lib/common.sh
need_prog conf_fork_signal
run_pm "conf_fork_signal" 400 "$PROGS/conf_fork_signal" 300
run_pm "conf_fork_signal big" 400 "$PROGS/conf_fork_signal" 300 big
