#!/bin/sh
# Allocating and freeing 1 GiB in small blocks gives the memory back: at once with
# malloc_trim(0), and after the decay delay without it.
set -e
prog=$BUILD/tests/programs/memory_return
for mode in trim decay; do
  LD_PRELOAD=$BUILD/libpoolmalloc.so timeout 120 "$prog" "$mode"
done
