#!/bin/sh
# fork while other threads hold stdio's locks and allocate under them
# (tests/programs/fork_stdio.c): no deadlock; a watchdog in the program fails a hung run.
. tests/scripts/lib/common.sh
need_prog fork_stdio
run_glibc "fork_stdio" 60 "$PROGS/fork_stdio" 1
run_pm "fork_stdio" 60 "$PROGS/fork_stdio" 4
