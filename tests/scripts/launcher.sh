#!/bin/sh
# build/poolmalloc-run: the command runs with poolmalloc preloaded (pm_owns resolves and owns
# its malloc blocks; without the launcher it does not), -o options reach POOLMALLOC_OPTIONS
# and the runtime, an existing LD_PRELOAD is kept, exit statuses and signals pass through,
# and usage errors exit 2.
. tests/scripts/lib/common.sh
RUN=$(cd "$BUILD" && pwd)/poolmalloc-run
[ -x "$RUN" ] || fail "$RUN is not built (make launcher)"
need_prog launcher_probe
PROBE=$(cd "$PROGS" && pwd)/launcher_probe
make_work

# expect LABEL WANT GOT
expect() {
    [ "$3" = "$2" ] || fail "$1: expected '$2', got '$3'"
}
# status CMD...: runs CMD (10 s at most, stdout and stderr to $WORK/out, $WORK/err) and
# prints its exit status.
status() {
    timeout -k 2 10 "$@" >"$WORK/out" 2>"$WORK/err"
    echo $?
}

unset POOLMALLOC_OPTIONS
# The probe only says yes when poolmalloc is loaded: check that it can say no.
expect "probe without the launcher" "poolmalloc: no" "$(env -u LD_PRELOAD "$PROBE")"
expect "probe under poolmalloc-run" "poolmalloc: yes" "$(env -u LD_PRELOAD "$RUN" "$PROBE")"
# from another directory (the library path is absolute)
expect "probe under poolmalloc-run from /" "poolmalloc: yes" \
    "$(cd / && env -u LD_PRELOAD "$RUN" "$PROBE")"
expect "LD_PRELOAD set by the launcher" "$LIB" \
    "$(env -u LD_PRELOAD "$RUN" sh -c 'printf %s "$LD_PRELOAD"')"
# An existing LD_PRELOAD stays, after poolmalloc (which must come first to win malloc).
OTHER=$($CC -print-file-name=libm.so.6)
if [ -f "$OTHER" ]; then
    expect "existing LD_PRELOAD" "$LIB:$OTHER" \
        "$(env LD_PRELOAD="$OTHER" "$RUN" sh -c 'printf %s "$LD_PRELOAD"')"
    expect "probe with another LD_PRELOAD" "poolmalloc: yes" "$(env LD_PRELOAD="$OTHER" "$RUN" "$PROBE")"
fi

# -o: appended to POOLMALLOC_OPTIONS in order, after an existing value; all three spellings.
expect "-o options" "decay_ms=0,purge=off,thp=never" \
    "$("$RUN" -o decay_ms=0 -opurge=off --option=thp=never sh -c 'printf %s "$POOLMALLOC_OPTIONS"')"
expect "-o after an existing POOLMALLOC_OPTIONS" "verbose=0,decay_ms=0" \
    "$(POOLMALLOC_OPTIONS=verbose=0 "$RUN" -o decay_ms=0 sh -c 'printf %s "$POOLMALLOC_OPTIONS"')"
expect "no -o leaves POOLMALLOC_OPTIONS alone" "verbose=0" \
    "$(POOLMALLOC_OPTIONS=verbose=0 "$RUN" sh -c 'printf %s "$POOLMALLOC_OPTIONS"')"
expect "no -o, no POOLMALLOC_OPTIONS" "unset" \
    "$("$RUN" sh -c 'printf %s "${POOLMALLOC_OPTIONS-unset}"')"
# -o decay_ms wins over POOLMALLOC_DECAY_MS (which would override the list in the runtime)
expect "-o removes POOLMALLOC_DECAY_MS" "unset:1" \
    "$(POOLMALLOC_DECAY_MS=1 POOLMALLOC_PURGE=1 "$RUN" -o decay_ms=0 \
        sh -c 'printf %s "${POOLMALLOC_DECAY_MS-unset}:$POOLMALLOC_PURGE"')"
# The runtime reads what the launcher passed: it warns about a key it does not know.
expect "probe with an unknown option" 0 "$(status env -u LD_PRELOAD "$RUN" -o pm_no_such_key=1 "$PROBE")"
grep -q "unknown option 'pm_no_such_key'" "$WORK/err" ||
    fail "the runtime did not warn about -o pm_no_such_key=1 (stderr: $(cat "$WORK/err"))"
expect "probe with known options" 0 \
    "$(status env -u LD_PRELOAD "$RUN" -o decay_ms=0 -o purge=1 -o thp=madvise "$PROBE")"
[ ! -s "$WORK/err" ] || fail "the runtime complained about valid options: $(cat "$WORK/err")"

# Exit statuses and signals pass through.
expect "exit status of the command" 42 "$(status "$RUN" "$PROBE" 42)"
expect "exit status of sh -c 'exit 3'" 3 "$(status "$RUN" sh -c 'exit 3')"
expect "command killed by SIGTERM" 143 "$(status "$RUN" sh -c 'kill -TERM $$')"
expect "command not found" 127 "$(status "$RUN" "$WORK/no-such-command")"

# Usage: --help and --version on stdout with status 0; errors exit 2.
expect "--help" 0 "$(status "$RUN" --help)"
grep -q "^Usage: poolmalloc-run" "$WORK/out" || fail "--help printed no usage"
expect "--version" 0 "$(status "$RUN" --version)"
grep -q "^poolmalloc-run (poolmalloc) [0-9]" "$WORK/out" || fail "--version printed '$(cat "$WORK/out")'"
expect "no command" 2 "$(status "$RUN")"
grep -q "^Usage: poolmalloc-run" "$WORK/err" || fail "no command: no usage on stderr"
expect "only options" 2 "$(status "$RUN" -o decay_ms=0)"
expect "-o without a value" 2 "$(status "$RUN" -o decay_ms true)"
expect "-o with a comma" 2 "$(status "$RUN" -o decay_ms=0,purge=0 true)"
expect "unknown launcher option" 2 "$(status "$RUN" --bogus true)"
expect "-- then a command" 0 "$(status "$RUN" -- "$PROBE")"
echo "launcher: preload, options, LD_PRELOAD, exit statuses and usage checked"
