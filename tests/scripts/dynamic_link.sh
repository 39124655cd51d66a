#!/bin/sh
# Linked as a shared dependency: -L$BUILD -lpoolmalloc, run with LD_LIBRARY_PATH. Being
# loaded before libc.so.6, libpoolmalloc.so must serve malloc, operator new and glibc's own
# allocations (pm_owns from poolmalloc.h, linked directly), and the brk heap must not move.
. tests/scripts/lib/common.sh
OUT=$BUILD/tests/linked
mkdir -p "$OUT"
FLAGS="-O2 -g -Wall -Wextra -Werror -Iinclude -Itests/programs -fno-builtin -pthread"

$CXX -std=c++20 $FLAGS -DPM_LINKED tests/programs/libc_alloc.cpp -L"$BUILD" -lpoolmalloc \
    -o "$OUT/libc_alloc_dynamic" || fail "link of libc_alloc with -lpoolmalloc failed"
readelf -d "$OUT/libc_alloc_dynamic" | grep -q 'NEEDED.*\[libpoolmalloc\.so\]' ||
    fail "libc_alloc_dynamic does not need libpoolmalloc.so"
nm -D --defined-only "$OUT/libc_alloc_dynamic" | grep -qE " T (malloc|_Znwm)\$" &&
    fail "libc_alloc_dynamic defines malloc itself: this is not a shared-library link"
run_plain "libc_alloc linked with -lpoolmalloc" 60 \
    env -u LD_PRELOAD LD_LIBRARY_PATH="$BUILD" "$OUT/libc_alloc_dynamic"

# The stress program linked the same way: pm_owns reaches dlsym through the shared library.
$CC -std=gnu11 $FLAGS tests/programs/stress.c -L"$BUILD" -lpoolmalloc \
    -o "$OUT/stress_dynamic" || fail "link of stress with -lpoolmalloc failed"
run_plain "stress linked with -lpoolmalloc" 60 \
    env -u LD_PRELOAD LD_LIBRARY_PATH="$BUILD" "$OUT/stress_dynamic" 4 4 10000 4
