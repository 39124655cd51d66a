#!/bin/sh
# The exit report (tests/programs/stats_exit.c): with print_stats=1 the statistics appear on
# stderr when the process exits, as text or (stats_json=1) as one JSON document, also when
# exit() is called from a second thread; without the option stderr stays empty. The JSON is
# parsed with python3 and its figures are checked against what the program leaked and
# against each other. Under LD_PRELOAD, through the launcher, and linked with the archive.
. tests/scripts/lib/common.sh
need_prog stats_exit
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (it parses the JSON report)"
make_work

# run_case LABEL OPTIONS MODE CMD...: runs CMD MODE with POOLMALLOC_OPTIONS=OPTIONS, stdout to
# $WORK/out and stderr to $WORK/err; fails unless it exits 0 in time.
run_case() {
    _label=$1; _opts=$2; _mode=$3; shift 3
    timeout -k 5 60 env POOLMALLOC_OPTIONS="$_opts" "$@" "$_mode" >"$WORK/out" 2>"$WORK/err"
    _rc=$?
    if [ $_rc -ne 0 ]; then
        head -5 "$WORK/err"
        fail "$_label: exit status $_rc"
    fi
    grep -q '^leaked [0-9]* [0-9]*$' "$WORK/out" || fail "$_label: no 'leaked' line on stdout"
}

# check_json LABEL MODE: $WORK/err must hold exactly one JSON document whose figures hold
# what the program leaked and agree with each other.
check_json() {
    python3 -c 'import json,sys; json.load(sys.stdin)' <"$WORK/err" ||
        { head -c 600 "$WORK/err"; fail "$1: stderr is not one JSON document"; }
    python3 - "$WORK/out" "$WORK/err" "$2" <<'EOF' || fail "$1: the JSON figures are wrong (above)"
import json, sys
out, err, mode = sys.argv[1:]
leaked = int(open(out).read().split()[1])
r = json.load(open(err))
bad = []
def check(ok, what):
    if not ok:
        bad.append(what)
cls = r["classes"]
check(r["allocated"] >= leaked, "allocated %d < leaked %d" % (r["allocated"], leaked))
check(r["allocated"] == r["pool"]["allocated"] + r["large"]["allocated"] + r["huge"]["allocated"],
      "allocated is not pool + large + huge")
check(r["pool"]["allocated"] == sum(c["bytes"] for c in cls), "pool bytes != sum of the classes")
check(r["pool"]["blocks"] == sum(c["blocks"] for c in cls), "pool blocks != sum of the classes")
check(all(c["bytes"] == c["blocks"] * c["block_size"] for c in cls), "class bytes != blocks * size")
check(r["huge"]["blocks"] >= 2, "the two 6 MiB blocks are not counted as huge")
check(r["large"]["blocks"] >= 8, "the eight 300 KiB blocks are not counted as large")
check(r["allocated"] <= r["active"] <= r["resident"] <= r["mapped"],
      "not allocated <= active <= resident <= mapped")
check(r["peak"] >= r["allocated"], "peak < allocated")
check(r["segments"] == r["pool"]["segments"] + r["large"]["segments"], "segments != pool + large")
if mode == "thread":
    check(r["heaps"]["threads"] >= 2, "exit from a thread: both threads are still running")
else:
    check(r["heaps"]["orphaned"] >= 1, "the second thread's heap (with its leaks) is not orphaned")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
}

PRE="env LD_PRELOAD=$LIB"

# JSON, exit() from the second thread and from main.
for mode in thread main; do
    run_case "json/$mode" print_stats=1,stats_json=1 $mode $PRE "$PROGS/stats_exit"
    check_json "json/$mode (LD_PRELOAD)" $mode
done

# Text: the header line and the allocated row, at least what was leaked.
run_case "text/thread" print_stats=1 thread $PRE "$PROGS/stats_exit"
head -1 "$WORK/err" | grep -q '^poolmalloc statistics' ||
    { head -3 "$WORK/err"; fail "text report: no header line on stderr"; }
leaked=$(awk '{print $2}' "$WORK/out")
alloc=$(awk '$1 == "allocated" {print $2; exit}' "$WORK/err")
[ -n "$alloc" ] && [ "$alloc" -ge "$leaked" ] ||
    { cat "$WORK/err"; fail "text report: allocated '$alloc' is not at least the $leaked bytes leaked"; }

# No option, no report; and on glibc's malloc the option means nothing.
run_case "no print_stats" "" thread $PRE "$PROGS/stats_exit"
[ -s "$WORK/err" ] && { head -3 "$WORK/err"; fail "stderr is not empty without print_stats"; }
run_case "glibc" print_stats=1 thread env -u LD_PRELOAD PMTEST_GLIBC=1 "$PROGS/stats_exit"
[ -s "$WORK/err" ] && { head -3 "$WORK/err"; fail "the program itself writes to stderr"; }

# Through the launcher.
if [ -x "$BUILD/poolmalloc-run" ]; then
    run_case "launcher" "" thread "$BUILD/poolmalloc-run" -o print_stats=1 -o stats_json=1 \
        "$PROGS/stats_exit"
    check_json "json/thread (poolmalloc-run)" thread
fi

# Linked with the archive (-rdynamic exports pm_owns for the program's check).
[ -f "$BUILD/libpoolmalloc.a" ] || fail "$BUILD/libpoolmalloc.a is not built"
mkdir -p "$BUILD/tests/linked"
STATIC=$BUILD/tests/linked/stats_exit_static
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Itests/programs -fno-builtin -pthread \
    -rdynamic tests/programs/stats_exit.c "$BUILD/libpoolmalloc.a" -lstdc++ -o "$STATIC" ||
    fail "link of stats_exit with libpoolmalloc.a failed"
run_case "json/thread (linked)" print_stats=1,stats_json=1 thread env -u LD_PRELOAD "$STATIC"
check_json "json/thread (linked with libpoolmalloc.a)" thread
exit 0
