# Helpers sourced by tests/scripts/*.sh (POSIX sh; run from the repository root).
#
#   LIB        absolute path of libpoolmalloc.so (absolute: some checks cd elsewhere)
#   PROGS      where the Makefile puts tests/programs/* binaries
#   run_pm     LABEL SECONDS CMD...   run under LD_PRELOAD=$LIB (the programs check pm_owns)
#   run_glibc  LABEL SECONDS CMD...   run on glibc's malloc (PMTEST_GLIBC=1: no pm_owns checks)
#   run_plain  LABEL SECONDS CMD...   run as is (the caller sets the environment)
#   fail MSG / skip MSG               exit 1 / exit 77 with a message
# Every run goes through `timeout`, so a deadlock fails the script instead of hanging it.
# PMTEST_KEEP=1 keeps the temporary directory of make_work (outputs of compare_runs).

BUILD=${BUILD:-build}
CC=${CC:-gcc}
CXX=${CXX:-g++}
PROGS=$BUILD/tests/programs

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIPPED: $*"; exit 77; }

[ -f "$BUILD/libpoolmalloc.so" ] || fail "$BUILD/libpoolmalloc.so is not built (run make)"
LIB=$(cd "$BUILD" && pwd)/libpoolmalloc.so

# need_prog NAME: the program must have been built by the Makefile.
need_prog() {
    [ -x "$PROGS/$1" ] || fail "$PROGS/$1 is not built (make $PROGS/$1)"
}

# run_plain LABEL SECONDS CMD...: fails the script, saying why, unless CMD exits 0 in time.
run_plain() {
    _label=$1; _secs=$2; shift 2
    timeout -k 5 "$_secs" "$@"
    _rc=$?
    case $_rc in
        0) return 0 ;;
        124|137) fail "$_label: no result after ${_secs}s (deadlock or hang), killed" ;;
        *) if [ "$_rc" -gt 128 ]; then
               fail "$_label: killed by signal $((_rc - 128))"
           fi
           fail "$_label: exit status $_rc" ;;
    esac
}

run_pm() {
    _l=$1; _s=$2; shift 2
    run_plain "$_l (LD_PRELOAD=$LIB)" "$_s" env LD_PRELOAD="$LIB" "$@"
}

run_glibc() {
    _l=$1; _s=$2; shift 2
    run_plain "$_l (glibc malloc)" "$_s" env -u LD_PRELOAD PMTEST_GLIBC=1 "$@"
}

# check_bindings LABEL WHO CMD...: runs CMD once under LD_PRELOAD with LD_DEBUG=bindings and
# fails unless the dynamic linker bound malloc and free of an object whose path matches WHO
# (an extended regular expression: the program, or the compiler proper for g++) to
# libpoolmalloc.so, and never bound them to libc.so.6 anywhere in the process tree. Output of
# CMD is discarded; its status is not checked.
check_bindings() {
    _label=$1; _who=$2; shift 2
    _dbg=$(mktemp -d "${TMPDIR:-/tmp}/pm-bindings.XXXXXX") || fail "mktemp"
    LD_DEBUG=bindings LD_DEBUG_OUTPUT="$_dbg/ld" LD_PRELOAD="$LIB" \
        timeout -k 5 60 "$@" >/dev/null 2>&1 </dev/null
    cat "$_dbg"/ld* >"$_dbg/all" 2>/dev/null
    for _sym in malloc free; do
        if ! grep -E "binding file [^ ]*($_who) \[" "$_dbg/all" | grep -F "to $LIB [" |
                grep -qF "symbol \`$_sym'"; then
            rm -rf "$_dbg"
            fail "$_label: LD_DEBUG=bindings shows no binding of $_sym from $_who to $LIB: poolmalloc was not used"
        fi
        if grep -E "to [^ ]*libc\.so\.6 \[" "$_dbg/all" | grep -qF "symbol \`$_sym'"; then
            grep -E "to [^ ]*libc\.so\.6 \[" "$_dbg/all" | grep -F "symbol \`$_sym'" | head -3
            rm -rf "$_dbg"
            fail "$_label: $_sym was bound to glibc's libc.so.6 as well"
        fi
    done
    rm -rf "$_dbg"
}

# compare_runs LABEL SECONDS CMD...: runs CMD on glibc's malloc and under LD_PRELOAD (each in
# its own fresh directory $RUNDIR, which CMD may use) and fails unless both exit 0 with the
# same stdout. Leaves the outputs in $WORK/glibc.out and $WORK/pm.out.
compare_runs() {
    _label=$1; _secs=$2; shift 2
    for _mode in glibc pm; do
        RUNDIR=$WORK/run-$_mode
        mkdir -p "$RUNDIR"
        export RUNDIR
        if [ $_mode = glibc ]; then
            timeout -k 5 "$_secs" env -u LD_PRELOAD "$@" >"$WORK/$_mode.out" 2>"$WORK/$_mode.err"
        else
            timeout -k 5 "$_secs" env LD_PRELOAD="$LIB" "$@" >"$WORK/$_mode.out" 2>"$WORK/$_mode.err"
        fi
        _rc=$?
        if [ $_rc -ne 0 ]; then
            tail -20 "$WORK/$_mode.err"
            case $_rc in
                124|137) fail "$_label ($_mode): no result after ${_secs}s (deadlock or hang)" ;;
                *) fail "$_label ($_mode): exit status $_rc" ;;
            esac
        fi
    done
    [ -s "$WORK/glibc.out" ] || fail "$_label: the glibc run printed nothing (broken workload)"
    if ! cmp -s "$WORK/glibc.out" "$WORK/pm.out"; then
        diff "$WORK/glibc.out" "$WORK/pm.out" | head -20
        fail "$_label: output under LD_PRELOAD differs from the run on glibc's malloc"
    fi
}

# make_work: a temporary directory $WORK, removed when the script exits.
make_work() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/pm-test.XXXXXX") || fail "mktemp"
    trap '[ -n "$PMTEST_KEEP" ] || rm -rf "$WORK"' EXIT
    trap 'exit 1' INT TERM
}

# check_cmake_consumer DIR PROG: a CMake-built consumer prints OK, and *_shared programs
# (poolmalloc::poolmalloc) need libpoolmalloc.so while *_static ones (poolmalloc::static) do not.
check_cmake_consumer() {
    _bld=$1; _p=$2
    _out=$(env -u LD_PRELOAD -u LD_LIBRARY_PATH timeout -k 2 10 "$_bld/$_p") ||
        fail "$_p: exit status $? ($_out)"
    [ "$_out" = OK ] || fail "$_p printed '$_out'"
    if readelf -d "$_bld/$_p" | grep -q 'NEEDED.*\[libpoolmalloc\.so\]'; then _dyn=yes; else _dyn=no; fi
    case $_p in
        *_shared) [ $_dyn = yes ] || fail "$_p (poolmalloc::poolmalloc) does not need libpoolmalloc.so" ;;
        *_static) [ $_dyn = no ] || fail "$_p (poolmalloc::static) needs libpoolmalloc.so" ;;
    esac
}
