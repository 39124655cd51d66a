#!/bin/sh
# The heap profiler (tests/programs/prof_sites.c), read back without google-pprof
# (tests/scripts/lib/prof_check.py; prof_pprof.sh runs google-pprof itself):
# - prof=1: the exit profile is in the gperftools format, its in-use bytes add up to what
#   the program holds, and its two call sites hold 75% / 25% (+-5) of them;
# - twins: two sites with the same frame at the same depth, told apart all the same;
# - prof_file with %p, pm_prof_dump(path), prof_signal=SIGUSR2 (a numbered profile);
# - prof_leak=1: the report names only the site whose blocks are still live, biggest
#   first, and prints the google-pprof command; the profile agrees;
# - linked with the archive: stacks still start at the call sites;
# - prof=0 (the default) writes nothing.
. tests/scripts/lib/common.sh
need_prog prof_sites
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (it reads the profiles back)"
command -v nm >/dev/null 2>&1 || skip "nm (binutils) is not installed"
make_work
PROG=$(pwd)/$PROGS/prof_sites
CHECK=$(pwd)/tests/scripts/lib/prof_check.py
# A finer rate than the default keeps the run small and the shares within a point or two.
RATE=prof_sample=16k

# run_prof LABEL OPTIONS PROGRAM ARGS...: runs in $WORK with the options, stdout in
# $WORK/out, stderr in $WORK/err.
run_prof() {
    _label=$1; _opts=$2; shift 2
    (cd "$WORK" && timeout -k 5 120 env POOLMALLOC_OPTIONS="$_opts" "$@" >out 2>err) ||
        { head -5 "$WORK/err"; fail "$_label: exit status $?"; }
}
figures() { awk '/^live/ {print $2, $3}' "$WORK/out"; }

# Default name in the working directory: poolmalloc.<pid>.heap.
rm -f "$WORK"/poolmalloc.*.heap
run_prof "prof=1" "prof=1,$RATE" env LD_PRELOAD="$LIB" "$PROG" live 64
set -- "$WORK"/poolmalloc.*.heap
[ -f "$1" ] || fail "prof=1 wrote no poolmalloc.<pid>.heap in the working directory"
python3 "$CHECK" "$1" "$PROG" $(figures) || fail "prof=1: the exit profile (above)"
rm -f "$1"

# Two call sites whose samples start at the same stack address (the stack cache's key):
# still 75/25, each sample under its own caller.
run_prof "twins" "prof=1,$RATE,prof_file=$WORK/twins.heap" env LD_PRELOAD="$LIB" "$PROG" twins 64
python3 "$CHECK" "$WORK/twins.heap" "$PROG" $(figures) || fail "twins: the profile (above)"

# prof_file with %p; pm_prof_dump to a path of our own (the exit profile is written too).
run_prof "pm_prof_dump" "prof=1,$RATE,prof_file=$WORK/exit.%p.prof" env LD_PRELOAD="$LIB" \
    "$PROG" dump 32 "$WORK/dumped.heap"
grep -q '^dumped$' "$WORK/out" || fail "pm_prof_dump: the program did not dump"
python3 "$CHECK" "$WORK/dumped.heap" "$PROG" $(figures) || fail "pm_prof_dump: the profile (above)"
set -- "$WORK"/exit.*.prof
[ -f "$1" ] || fail "prof_file=$WORK/exit.%p.prof: no such exit profile"
case $1 in *exit.[0-9]*.prof) ;; *) fail "prof_file: %p not expanded ($1)" ;; esac

# prof_signal=SIGUSR2: a profile named <prof_file>.1 besides the exit one.
run_prof "prof_signal" "prof=1,$RATE,prof_file=$WORK/sig.heap,prof_signal=SIGUSR2" \
    env LD_PRELOAD="$LIB" "$PROG" signal 32
grep -q '^signalled$' "$WORK/out" || fail "prof_signal: the program died on SIGUSR2"
[ -f "$WORK/sig.heap.1" ] || fail "prof_signal=SIGUSR2 wrote no $WORK/sig.heap.1"
python3 "$CHECK" "$WORK/sig.heap.1" "$PROG" $(figures) || fail "prof_signal: the profile (above)"

# prof_leak=1: site_one's blocks are freed before exit, site_three's are not.
run_prof "prof_leak" "prof_leak=1,$RATE,prof_file=$WORK/leak.heap" env LD_PRELOAD="$LIB" "$PROG" leak 32
python3 "$CHECK" "$WORK/leak.heap" "$PROG" $(figures) --leak || fail "prof_leak: the profile (above)"
grep -q '^poolmalloc: heap profiler (pid [0-9]*): [0-9]* allocation sites* still holds* about [0-9]* bytes in [0-9]* blocks at exit, biggest first:$' "$WORK/err" ||
    { cat "$WORK/err"; fail "prof_leak: no summary line on stderr"; }
grep -q "^poolmalloc: with function names: google-pprof --text --inuse_space $PROG $WORK/leak.heap\$" "$WORK/err" ||
    { cat "$WORK/err"; fail "prof_leak: no google-pprof command line"; }
python3 - "$WORK/err" "$PROG" "$WORK/leak.heap" <<'PY' || fail "prof_leak: the report's sites (above)"
import re, subprocess, sys
err, prog, profile = sys.argv[1:]
rows = [l for l in open(err) if re.match(r"poolmalloc:   \d+ bytes in \d+ blocks \(\d+%\) at 0x", l)]
if not rows:
    sys.exit("no site rows in the report")
sizes = [int(l.split()[1]) for l in rows]
if sizes != sorted(sizes, reverse=True):
    sys.exit("the sites are not biggest first: %s" % sizes)
# The program's load address, from the maps the profile carries.
text = open(profile).read().split("MAPPED_LIBRARIES:\n")[1]
base = None
for l in text.splitlines():
    f = l.split()
    if len(f) >= 6 and f[5].endswith("/" + prog.split("/")[-1]) and int(f[2], 16) == 0:
        base = int(f[0].split("-")[0], 16)
        break
if base is None:
    sys.exit("the program is not in the profile's maps")
syms = {}
for l in subprocess.run(["nm", "-S", "--defined-only", prog], capture_output=True, text=True).stdout.splitlines():
    f = l.split()
    if len(f) == 4 and f[3] in ("site_three", "site_one"):
        syms[f[3]] = (int(f[0], 16), int(f[0], 16) + int(f[1], 16))
where = []
for l in rows:
    a = int(l.split(" at ")[1].split()[0], 16) - base
    name = next((n for n, (lo, hi) in syms.items() if lo <= a < hi), None)
    where.append(name)
if "site_one" in where:
    sys.exit("site_one's blocks were all freed, yet the report names it: %s" % where)
if where[0] != "site_three":
    sys.exit("the biggest reported site is not site_three: %s" % where)
print("leak report: %d sites, the biggest site_three, never site_one" % len(rows))
PY

# Linked with the archive: the allocator is in the program itself.
mkdir -p "$BUILD/tests/linked"
STATIC=$(pwd)/$BUILD/tests/linked/prof_sites_static
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -fno-builtin -pthread \
    tests/programs/prof_sites.c "$BUILD/libpoolmalloc.a" -lstdc++ -o "$STATIC" ||
    fail "link of prof_sites with libpoolmalloc.a failed"
run_prof "linked" "prof=1,$RATE,prof_file=$WORK/static.heap" env -u LD_PRELOAD "$STATIC" live 32
python3 "$CHECK" "$WORK/static.heap" "$STATIC" $(figures) || fail "linked with libpoolmalloc.a: the profile (above)"

# Off by default: no profile.
rm -f "$WORK"/poolmalloc.*.heap
run_prof "prof=0" "" env LD_PRELOAD="$LIB" "$PROG" live 8
set -- "$WORK"/poolmalloc.*.heap
[ -f "$1" ] && fail "without prof=1 a profile was written ($1)"
[ -s "$WORK/err" ] && { cat "$WORK/err"; fail "without prof=1 stderr is not empty"; }
echo "prof: profiles parse back with 75/25 split, pm_prof_dump, prof_signal, prof_leak, static link, off by default"
exit 0
