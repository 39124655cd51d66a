#!/bin/sh
# Multi-threaded stress (tests/programs/stress.c): threads re-created every round, blocks
# swapped between threads, sizes 8 B .. 8 MiB, contents checked at every free. A short run on
# glibc's malloc checks the program itself; the poolmalloc run is the test. `make soak` runs a
# long version.
. tests/scripts/lib/common.sh
need_prog stress
run_glibc "stress" 60 "$PROGS/stress" 4 2 10000 1
#                          threads rounds iterations seed
run_pm "stress, 4 threads" 60 "$PROGS/stress" 4 12 20000 1
run_pm "stress, 8 threads" 60 "$PROGS/stress" 8 6 10000 2
