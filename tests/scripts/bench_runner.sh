#!/bin/sh
# The benchmark runner end to end, small: its measuring helper reports a peak RSS that is
# the program's own (not the runner's), and bench/run.py runs two threaded workloads under
# poolmalloc and glibc, with every run passing (mstress and rptest check each block's
# contents), and writes its report; the thread-scaling script runs a tiny grid and writes its
# table; the servers suite's check that a server maps the preloaded library tells a process
# that maps it from one that does not (no server is started here). Speed is not judged here;
# that is `make bench`.
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
for w in xmalloc mstress malloc_large rptest alloc_test larson; do
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
    --only '^(xmalloc|mstress|rptest|alloc-test-2)$' --allocators poolmalloc,glibc --out "$TMP/results" --no-chart >"$TMP/log" 2>&1 ||
    { cat "$TMP/log"; fail "bench/run.py failed"; }
json=$(ls "$TMP"/results/*.json 2>/dev/null | head -1)
[ -n "$json" ] || { cat "$TMP/log"; fail "bench/run.py wrote no JSON"; }
ls "$TMP"/results/*.md "$TMP"/results/*.csv >/dev/null 2>&1 || fail "bench/run.py wrote no report or CSV"
"$PY" - "$json" <<'PY' || fail "bench/run.py results are wrong (see above)"
import json, sys
data = json.load(open(sys.argv[1]))
names = [a["name"] for a in data["meta"]["allocators"]]
assert names == ["poolmalloc", "glibc"], names
for w in ("xmalloc", "mstress", "rptest", "alloc-test-2"):
    for a in names:
        runs = data["workloads"][w]["runs"][a]
        assert len(runs) == 1, (w, a, runs)
        r = runs[0]
        assert r["rc"] == 0, f"{w} under {a}: {r.get('error')}"
        assert r["wall"] > 0 and r["maxrss_kib"] > 0, (w, a, r)
PY

# Thread scaling, a tiny grid (work scaled down to a few milliseconds a run).
run_plain "scaling.py" 120 "$PY" bench/tools/scaling.py --build "$BUILD" --quick --reps 1 --threads 1,2 \
    --work 0.02 --only '^(larson|rptest)$' --allocators poolmalloc,glibc --out "$TMP/scaling" >"$TMP/slog" 2>&1 ||
    { cat "$TMP/slog"; fail "bench/tools/scaling.py failed"; }
cp docs/benchmarks.md "$TMP/doc.md"
"$PY" - "$TMP" <<'PY' || fail "thread scaling results are wrong (see above)"
import glob, json, os, sys
sys.path.insert(0, "bench")
from pmbench import scaling
tmp = sys.argv[1]
data = json.load(open(glob.glob(os.path.join(tmp, "scaling", "*-scaling.json"))[0]))
for w in ("larson", "rptest"):
    for n in ("1", "2"):
        for a in ("poolmalloc", "glibc"):
            runs = data["runs"][w][n][a]
            assert len(runs) == 1 and runs[0]["rc"] == 0, (w, n, a, runs)
            assert f"threads={n}" in runs[0]["argv"], runs[0]["argv"]
md = open(glob.glob(os.path.join(tmp, "scaling", "*-scaling.md"))[0]).read()
assert "| rptest | 2 |" in md, md
doc = os.path.join(tmp, "doc.md")
scaling.update_doc(doc, "TABLE ONE")
scaling.update_doc(doc, "TABLE TWO")
text = open(doc).read()
assert text.count("## Thread scaling\n") == 1 and "TABLE TWO" in text and "TABLE ONE" not in text, text[-600:]
PY

# The servers suite refuses a server that does not map the allocator it was given.
"$PY" - "$LIB" <<'PY' || fail "servers.check_loaded is wrong (see above)"
import os, subprocess, sys
sys.path.insert(0, "bench")
from pmbench import servers
lib = os.path.abspath(sys.argv[1])
p = subprocess.Popen(["sleep", "5"], env=dict(os.environ, LD_PRELOAD=lib))
q = subprocess.Popen(["sleep", "5"], env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
try:
    import time
    for _ in range(100):  # until the loader has mapped it
        if lib in open(f"/proc/{p.pid}/maps").read():
            break
        time.sleep(0.02)
    servers.check_loaded(p.pid, lib, "sleep")
    try:
        servers.check_loaded(q.pid, lib, "sleep")
    except servers.ServerError:
        pass
    else:
        raise AssertionError("a process without the library passed the check")
finally:
    p.kill(); q.kill(); p.wait(); q.wait()
PY
exit 0
