#!/bin/sh
# Cross-thread frees (tests/programs/xthread.c): producer/consumer through a queue, and blocks
# of exited threads freed later by other threads while those allocate again.
. tests/scripts/lib/common.sh
need_prog xthread
run_glibc "xthread" 60 "$PROGS/xthread" 20000
run_pm "xthread" 60 "$PROGS/xthread" 50000
