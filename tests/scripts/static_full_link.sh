#!/bin/sh
# Fully static (-static): glibc's libc.a must not pull its own malloc.o beside poolmalloc's
# (README, "What it exports": every exported symbol, the __libc_* aliases included, lives in one object of
# the archive). A duplicate definition fails the link; a glibc malloc left in use fails the
# pm_owns and brk checks of libc_alloc.
. tests/scripts/lib/common.sh
[ -f "$BUILD/libpoolmalloc.a" ] || fail "$BUILD/libpoolmalloc.a is not built"
libc_a=$($CC -print-file-name=libc.a)
[ -f "$libc_a" ] || skip "no static libc.a for $CC"
OUT=$BUILD/tests/linked
mkdir -p "$OUT"
FLAGS="-O2 -g -Wall -Wextra -Werror -Iinclude -Itests/programs -fno-builtin -pthread"

$CXX -std=c++20 $FLAGS -DPM_LINKED -static tests/programs/libc_alloc.cpp "$BUILD/libpoolmalloc.a" \
    -o "$OUT/libc_alloc_full_static" || fail "fully static link of libc_alloc with libpoolmalloc.a failed"
file "$OUT/libc_alloc_full_static" 2>/dev/null | grep -q 'statically linked' ||
    readelf -d "$OUT/libc_alloc_full_static" 2>&1 | grep -q 'no dynamic section' ||
    fail "libc_alloc_full_static is not a static executable"
run_plain "libc_alloc linked -static" 60 "$OUT/libc_alloc_full_static"
