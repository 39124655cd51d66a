#!/bin/sh
# The heap profiler counts each request once: an aligned allocation that runs out of
# memory, is retried after the caches are given back and fails again, counts once
# (tests/scripts/lib/prof_retry.cpp, linked with the archive; it reads the countdown).
. tests/scripts/lib/common.sh
[ -f "$BUILD/libpoolmalloc.a" ] || fail "$BUILD/libpoolmalloc.a is not built"
OUT=$BUILD/tests/linked
mkdir -p "$OUT"
$CXX -std=c++20 -O2 -g -Wall -Wextra -Werror -Iinclude -Iruntime -fno-builtin -pthread \
    tests/scripts/lib/prof_retry.cpp "$BUILD/libpoolmalloc.a" -o "$OUT/prof_retry" ||
    fail "link of prof_retry with libpoolmalloc.a failed"
run_plain "prof_retry" 60 env -u LD_PRELOAD \
    POOLMALLOC_OPTIONS=prof=1,prof_sample=1024g,reserve_limit=512m,prof_file=/dev/null "$OUT/prof_retry"
echo "prof_retry: a failed aligned request retried after reclaiming is counted once"
