#!/bin/bash
# Paired A/B timing for a noisy machine: runs the same command under two allocators at the
# same time, one per core (the cores swap every round), and prints the CPU-time ratio B/A
# of each round and their median. Both runs of a round meet the same load from the rest of
# the machine, which sequential runs do not: there, identical builds differ by +-30%.
#
#   bench/tools/paired.sh [-n ROUNDS] A B -- COMMAND [ARGS...]
#
# A and B: a path to a shared object, or jemalloc, mimalloc, tcmalloc, glibc. Example:
#   bench/tools/paired.sh -n 16 /tmp/old.so build/libpoolmalloc.so -- \
#       build/bench/workloads/alloc_test threads=1 steps=8000000
# Run an allocator against itself first: its median is how far from 1 a ratio must be.
# Needs two cores and single-threaded commands (each run is pinned to one core).
set -eu
rounds=12
if [ "${1:-}" = "-n" ]; then rounds=$2; shift 2; fi
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
lib() {
  local d=/usr/lib/x86_64-linux-gnu
  local f
  case $1 in
    jemalloc) f=$d/libjemalloc.so.2 ;;
    mimalloc) f=$d/libmimalloc.so.2 ;;
    tcmalloc) f=$d/libtcmalloc_minimal.so.4 ;;
    glibc) echo ""; return ;;
    *) f=$1 ;;
  esac
  # A library the loader cannot open is only warned about: the run would time glibc.
  [ -f "$f" ] || { echo "paired.sh: no such library: $f (make bench-deps installs the peers)" >&2; exit 2; }
  readlink -f "$f"
}
a=$(lib "$1"); b=$(lib "$2"); shift 3
[ "$(nproc)" -ge 2 ] || { echo "paired.sh: needs two cores" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cpu() { awk '{ printf "%.3f", $1 + $2 }' "$1"; }
for i in $(seq "$rounds"); do
  ca=$((i % 2)); cb=$(((i + 1) % 2))
  LD_PRELOAD=$a taskset -c $ca /usr/bin/time -o "$tmp/a" -f "%U %S" "$@" >/dev/null 2>"$tmp/ea" &
  pa=$!
  LD_PRELOAD=$b taskset -c $cb /usr/bin/time -o "$tmp/b" -f "%U %S" "$@" >/dev/null 2>"$tmp/eb" &
  pb=$!
  wait $pa || { echo "paired.sh: A failed:" >&2; cat "$tmp/ea" >&2; exit 1; }
  wait $pb || { echo "paired.sh: B failed:" >&2; cat "$tmp/eb" >&2; exit 1; }
  ta=$(cpu "$tmp/a"); tb=$(cpu "$tmp/b")
  echo "round $i: A ${ta}s B ${tb}s B/A $(awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.3f", b / a }')"
done | tee "$tmp/rounds"
awk '{ print $NF }' "$tmp/rounds" | sort -n |
  awk '{ r[NR] = $1 } END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
        printf "median B/A over %d rounds: %.3f (range %.3f-%.3f)\n", NR, m, r[1], r[NR] }'
