#!/bin/sh
# Under LD_PRELOAD every allocation is poolmalloc's: the malloc family, the C++ operators,
# glibc's internal allocations (strdup, asprintf, getline, fopen, realpath, getcwd), and the
# brk heap never moves (tests/programs/libc_alloc.cpp). On glibc's malloc it must move.
. tests/scripts/lib/common.sh
need_prog libc_alloc
run_glibc "libc_alloc" 60 "$PROGS/libc_alloc"
run_pm "libc_alloc" 60 "$PROGS/libc_alloc"
