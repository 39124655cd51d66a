#!/bin/sh
# fork from a SIGALRM handler that interrupted malloc/free in a single-threaded process; the
# child allocates and frees, then _exit(0) (tests/programs/fork_signal.c).
# Poolmalloc only: glibc's own malloc fails this (the child trips a malloc assertion), so a
# run on glibc would prove nothing.
. tests/scripts/lib/common.sh
need_prog fork_signal
run_pm "fork_signal" 60 "$PROGS/fork_signal" 300
