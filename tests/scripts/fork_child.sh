#!/bin/sh
# fork with a second (idle) thread alive: children and grandchildren check, free and realloc
# inherited blocks, allocate, and start threads (tests/programs/fork_child.c).
. tests/scripts/lib/common.sh
need_prog fork_child
run_glibc "fork_child" 60 "$PROGS/fork_child" 5
run_pm "fork_child" 60 "$PROGS/fork_child" 20
