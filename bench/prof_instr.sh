#!/bin/sh
# The heap profiler's cost in instructions (callgrind counts do not drift with the load of
# the machine): seven of the bench workloads, at smaller parameters than make bench, each
# under build/libpoolmalloc.so with prof=0 and with prof=1 (default rate), and the ratio.
#   sh bench/prof_instr.sh [LIB]        (needs make all bench-build and valgrind)
LIB=$(readlink -f "${1:-build/libpoolmalloc.so}")
W=build/bench/workloads
OUT=$(mktemp -d -t pm-prof-instr.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed" >&2; exit 1; }
count() {  # count PROF PROGRAM ARGS...: instructions of the whole run
    _p=$1; shift
    POOLMALLOC_OPTIONS=prof=$_p,prof_file=$OUT/p.heap LD_PRELOAD=$LIB \
        valgrind --tool=callgrind --callgrind-out-file=$OUT/cg.out "$@" >/dev/null 2>"$OUT/err" ||
        { cat "$OUT/err" >&2; exit 1; }
    awk '/Collected :/ {print $4}' "$OUT/err"
}
printf '%-14s %14s %14s %7s\n' workload prof=0 prof=1 ratio
: >"$OUT/ratios"
run() {
    _name=$1; shift
    a=$(count 0 "$@" | tr -d ,); b=$(count 1 "$@" | tr -d ,)
    awk -v n="$_name" -v a="$a" -v b="$b" 'BEGIN { printf "%-14s %14d %14d %7.3f\n", n, a, b, b / a }'
    echo "$a $b" >>"$OUT/ratios"
}
run larson       $W/larson threads=4 slots=4000 ops=100000 gens=10
run glibc-thread $W/glibc_thread threads=4 steps=400000
run xmalloc      $W/xmalloc producers=2 consumers=2 batches=10000
run mstress      $W/mstress threads=4 rounds=3
run glibc-simple $W/glibc_simple rounds=20
run malloc-large $W/malloc_large steps=2000
run frag         $W/frag cycles=1 small=200000 large_mib=32
awk '{ s += log($2 / $1); n++ } END { printf "%-14s %14s %14s %7.3f\n", "geometric mean", "", "", exp(s / n) }' "$OUT/ratios"
