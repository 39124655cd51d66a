#!/bin/sh
# Thread scaling on a larger machine (16 cores or so), self-contained and in under 8 minutes:
# builds libpoolmalloc.so and the four thread-heavy workloads with every core, then runs
# bench/tools/scaling.py (larson, glibc-thread, xmalloc, rptest at 1, 2, 4, 8, 16 threads,
# each under poolmalloc and whichever of jemalloc, mimalloc, tcmalloc are installed, and
# glibc), up to 3 interleaved rounds within a time budget, and prints the Markdown table.
# Needs no network: peers that are not installed are left out (and named).
# Usage, from anywhere:  sh bench/tools/scaling_device.sh [options of scaling.py]
#   e.g. sh bench/tools/scaling_device.sh --threads 1,2 --work 0.1 --reps 1   (a small try)
# Environment: BUILD (build folder, default build), BUDGET (seconds for the runs, default 330),
# OUT (if set, the report files are copied there).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BUDGET=${BUDGET:-330}
J=$(nproc 2>/dev/null || echo 4)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
start=$(date +%s)
echo "scaling: building with -j$J in $BUILD" >&2
make -s -j"$J" BUILD="$BUILD" "$BUILD/libpoolmalloc.so" "$BUILD/bench/pmrun" "$BUILD/bench/instr_pair" \
    "$BUILD/bench/workloads/larson" "$BUILD/bench/workloads/glibc_thread" \
    "$BUILD/bench/workloads/xmalloc" "$BUILD/bench/workloads/rptest" >&2
echo "scaling: built in $(( $(date +%s) - start )) s; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
results="$BUILD/bench/scaling-results"
"$PY" bench/tools/scaling.py --build "$BUILD" --reps 3 --budget "$BUDGET" --out "$results" "$@"
if [ -n "${OUT:-}" ]; then
    mkdir -p "$OUT" && cp "$results"/*-scaling.md "$results"/*-scaling.json "$OUT"/ 2>/dev/null || true
fi
echo "scaling: done in $(( $(date +%s) - start )) s" >&2
