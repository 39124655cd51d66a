#!/bin/sh
# sort under LD_PRELOAD: ~200k generated lines sorted several ways (in memory, numerically on
# a key with two threads, unique, and through temporary files with a small buffer) give the
# same output as on glibc's malloc; malloc binds to libpoolmalloc.so.
. tests/scripts/lib/common.sh
command -v sort >/dev/null 2>&1 || skip "sort is not installed"
command -v awk >/dev/null 2>&1 || skip "awk is not installed"
make_work
awk 'BEGIN { x = 12345; for (i = 0; i < 200000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
     printf "%08x line %d key %d\n", x, i, x % 100003 } }' >"$WORK/in.txt"
cat >"$WORK/sort.sh" <<SHEOF
set -e
export LC_ALL=C
sort "$WORK/in.txt" | md5sum
sort -n -k5 --parallel=2 "$WORK/in.txt" | md5sum
cut -d' ' -f5 "$WORK/in.txt" | sort -u | wc -l
sort -S 256K -T "\$RUNDIR" -r "$WORK/in.txt" | md5sum
sort "$WORK/in.txt" | head -3
SHEOF
compare_runs "sort" 120 sh "$WORK/sort.sh"
check_bindings "sort" "sort" sort "$WORK/in.txt"
