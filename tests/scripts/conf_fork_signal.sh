#!/bin/sh
# fork from a SIGUSR1 handler (signals sent by another process, as in glibc's
# tst-mallocfork2) that interrupted malloc or free of any kind in a single-threaded process;
# each child allocates, frees pre-fork small, large and huge blocks, starts a thread that
# does the same, then exits 0 (tests/programs/conf_fork_signal.c). Poolmalloc only: glibc's
# malloc does not support a child that goes on allocating here.
. tests/scripts/lib/common.sh
need_prog conf_fork_signal
run_pm "conf_fork_signal" 90 "$PROGS/conf_fork_signal" 60
