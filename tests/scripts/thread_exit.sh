#!/bin/sh
# Thread exit (tests/programs/thread_exit.cpp): malloc/new in pthread key and thread_local
# destructors, thousands of short (joined and detached) threads, late frees of their blocks.
. tests/scripts/lib/common.sh
need_prog thread_exit
run_glibc "thread_exit" 60 "$PROGS/thread_exit" 500
run_pm "thread_exit" 60 "$PROGS/thread_exit" 3000
