#!/bin/sh
# The benchmark runner end to end, small: its measuring helper reports a peak RSS that is
# the program's own (not the runner's), and bench/run.py runs two threaded workloads under
# poolmalloc and glibc, with every run passing (mstress checks each block's contents), and
# writes its report. Speed is not judged here; that is `make bench`.
. tests/scripts/lib/common.sh
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v "$PY" >/dev/null 2>&1 || skip "no python3"
B=$BUILD/bench
mkdir -p "$B/workloads"
FLAGS="-std=c++20 -O2 -g -Wall -Wextra -Werror -pthread -fno-builtin-malloc -fno-builtin-free"
$CC -std=gnu11 -O2 -Wall -Wextra -Werror bench/tools/pmrun.c -o "$B/pmrun" || fail "pmrun does not build"
# The runner checks each allocator with the instruction-count program before it starts.
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -fno-builtin -fno-plt bench/instr/pair.c -o "$B/instr_pair" ||
    fail "instr_pair does not build"
for w in xmalloc mstress malloc_large; do
    $CXX $FLAGS "bench/workloads/$w.cpp" -o "$B/workloads/$w" || fail "workload $w does not build"
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Peak RSS: a program holding 16 blocks of 2 MiB, every page touched, peaks above 32 MiB;
# /bin/true stays small (a floor inherited from the runner would show here).
run_plain "pmrun malloc_large" 60 "$B/pmrun" "$TMP/big" "$LIB" "$B/workloads/malloc_large" live=16 steps=400 spread=0
big=$(awk '{print $8}' "$TMP/big")
[ "$big" -ge 32768 ] || fail "pmrun: peak RSS of 32 MiB of touched blocks read as $big KiB"
run_plain "pmrun true" 10 "$B/pmrun" "$TMP/small" - true
small=$(awk '{print $8}' "$TMP/small")
[ "$small" -lt 8192 ] || fail "pmrun: peak RSS of /bin/true read as $small KiB"
grep -q '^status 0 wall ' "$TMP/small" || fail "pmrun: bad result line: $(cat "$TMP/small")"

run_plain "bench/run.py" 120 "$PY" bench/run.py --build "$BUILD" --quick --reps 1 --suites workloads \
    --only '^(xmalloc|mstress)$' --allocators poolmalloc,glibc --out "$TMP/results" --no-chart >"$TMP/log" 2>&1 ||
    { cat "$TMP/log"; fail "bench/run.py failed"; }
json=$(ls "$TMP"/results/*.json 2>/dev/null | head -1)
[ -n "$json" ] || { cat "$TMP/log"; fail "bench/run.py wrote no JSON"; }
ls "$TMP"/results/*.md "$TMP"/results/*.csv >/dev/null 2>&1 || fail "bench/run.py wrote no report or CSV"
"$PY" - "$json" <<'PY' || fail "bench/run.py results are wrong (see above)"
import json, sys
data = json.load(open(sys.argv[1]))
names = [a["name"] for a in data["meta"]["allocators"]]
assert names == ["poolmalloc", "glibc"], names
for w in ("xmalloc", "mstress"):
    for a in names:
        runs = data["workloads"][w]["runs"][a]
        assert len(runs) == 1, (w, a, runs)
        r = runs[0]
        assert r["rc"] == 0, f"{w} under {a}: {r.get('error')}"
        assert r["wall"] > 0 and r["maxrss_kib"] > 0, (w, a, r)
PY
exit 0
