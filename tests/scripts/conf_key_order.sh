#!/bin/sh
# pthread keys created before and after poolmalloc's own: their destructors allocate, free,
# use strdup/fopen and keep blocks in all four destructor rounds, before and after
# poolmalloc's teardown of the thread; the kept blocks are freed later by other threads
# (tests/programs/conf_key_order.c). The run on glibc's malloc checks the program.
. tests/scripts/lib/common.sh
need_prog conf_key_order
run_glibc "conf_key_order" 60 "$PROGS/conf_key_order" 200 1
run_pm "conf_key_order" 60 "$PROGS/conf_key_order" 500
# Allocations in the last destructor round must not leave a heap (and its memory) behind.
run_pm "conf_key_order, address space flat" 60 "$PROGS/conf_key_order" 500 1
