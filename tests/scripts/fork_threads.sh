#!/bin/sh
# fork in a loop while other threads allocate and free (tests/programs/fork_threads.c): no
# deadlock (each child has an alarm, the whole run a timeout) and a working heap in the child.
. tests/scripts/lib/common.sh
need_prog fork_threads
run_glibc "fork_threads" 60 "$PROGS/fork_threads" 20 2
run_pm "fork_threads" 60 "$PROGS/fork_threads" 150 3
