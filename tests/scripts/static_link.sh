#!/bin/sh
# Linked with the archive: g++ prog.cpp libpoolmalloc.a -pthread gives a dynamic executable
# that carries poolmalloc itself. malloc, operator new and glibc's own allocations must all
# be poolmalloc's (pm_owns from poolmalloc.h, linked directly), the brk heap must not move,
# and the stress program must pass linked the same way.
. tests/scripts/lib/common.sh
[ -f "$BUILD/libpoolmalloc.a" ] || fail "$BUILD/libpoolmalloc.a is not built"
OUT=$BUILD/tests/linked
mkdir -p "$OUT"
FLAGS="-O2 -g -Wall -Wextra -Werror -Iinclude -Itests/programs -fno-builtin -pthread"

$CXX -std=c++20 $FLAGS -DPM_LINKED tests/programs/libc_alloc.cpp "$BUILD/libpoolmalloc.a" \
    -o "$OUT/libc_alloc_static" || fail "link of libc_alloc with libpoolmalloc.a failed"
# the executable defines malloc and operator new itself (from the archive)
for sym in malloc free _Znwm; do
    nm -D --defined-only "$OUT/libc_alloc_static" | grep -qE " T $sym\$" ||
        fail "libc_alloc_static does not export $sym: the archive's interposition was not linked"
done
run_plain "libc_alloc linked with libpoolmalloc.a" 60 env -u LD_PRELOAD "$OUT/libc_alloc_static"

# The stress program, linked the same way; -rdynamic exports pm_owns for its dlsym check.
$CC -std=gnu11 $FLAGS -rdynamic tests/programs/stress.c "$BUILD/libpoolmalloc.a" -lstdc++ \
    -o "$OUT/stress_static" || fail "link of stress with libpoolmalloc.a failed"
run_plain "stress linked with libpoolmalloc.a" 60 env -u LD_PRELOAD "$OUT/stress_static" 4 4 10000 3
