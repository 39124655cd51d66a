#!/bin/sh
# Heap misuse, one program run per case (tests/programs/misuse_cases.cpp), under
# LD_PRELOAD of the default library and of the hardened variant. The table below is what
# each variant must do with each case; the README's misuse table is made from it:
#   abort:TEXT  killed by SIGABRT after exactly one stderr line "poolmalloc: ...TEXT...: 0x..."
#               (TEXT;OTHER: either; the hardened variant's random order decides which check
#               sees the damage first)
#   segv        killed by SIGSEGV (a guard page or an unmapped address stopped the misuse)
#   protected   a property case found the allocator protecting the program (exit 42)
#   missed      the misuse went unnoticed (exit 0)
# A case that does anything else fails the run: a check that stops working fails here, and
# so does a case that starts being caught without the table (and the README) saying so.
# Then a few cases again with abort_on_misuse=0: the same line, and the program goes on.
. tests/scripts/lib/common.sh
need_prog misuse_cases
HARD=$(cd "$BUILD" && pwd)/libpoolmalloc-hardened.so
[ -f "$HARD" ] || fail "$HARD is not built (run make)"
PROG=$PROGS/misuse_cases
ulimit -c 0 2>/dev/null
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pm-misuse.XXXXXX") || fail "mktemp"
trap 'rm -rf "$WORK"' EXIT

DF="abort:double free"
INV="abort:invalid pointer"
UNAL="abort:unaligned pointer"
SIZE="abort:size does not match"
KIND="abort:delete/delete[] does not match"
OVF="abort:heap overflow"
UAF="abort:write after free (freed"
LINK="abort:free list corrupted"

# case | default | hardened | hardened, quarantine=0 | hardened, zero_on_free=0
# (the two options of the hardened variant: what each stops catching is the difference
# between its column and the hardened one, so an option that is not honoured fails here)
CASES="
overflow1_small|missed|$OVF|$OVF|$OVF
overflow1_small_exact|missed|$OVF|$OVF|$OVF
overflow32_small|missed|$OVF|$OVF|$OVF
overflow1_medium|missed|$OVF|$OVF|$OVF
overflow32_medium|missed|$OVF|$OVF|$OVF
overflow1_large|missed|missed|missed|missed
overflow_memcpy_small|missed|$OVF|$OVF|$OVF
overflow_then_malloc_medium|$LINK|$OVF;free list corrupted|$OVF;free list corrupted|$OVF;free list corrupted
overflow1mib_small|missed|segv|segv|segv
underflow_small|missed|$OVF|$OVF|$OVF
underflow_medium|missed|$OVF|$OVF|$OVF
uaf_write_malloc_small|missed|$UAF|missed|$UAF
uaf_write_malloc_medium|segv|$UAF|$LINK|$UAF
uaf_write_small|missed|$UAF|missed|missed
uaf_write_medium|missed|$UAF|missed|missed
uaf_free_after_write_small|$DF|$DF|$DF|$DF
uaf_read_small|missed|protected|protected|missed
uaf_read_medium|missed|protected|protected|missed
malloc0_write|missed|$OVF|$OVF|$OVF
reuse_small|protected|protected|protected|protected
reuse_medium|protected|protected|protected|protected
reuse_after_realloc|protected|protected|protected|protected
secret_after_free_small|missed|protected|protected|protected
secret_after_free_medium|missed|protected|protected|protected
malloc_not_zeroed|missed|protected|protected|protected
malloc_not_zeroed_reused_page|missed|protected|protected|protected
sized_delete_other_class|$SIZE|$SIZE|$SIZE|$SIZE
sized_delete_same_class|missed|$SIZE|$SIZE|$SIZE
delete_of_new_array|$SIZE|$KIND|$KIND|$KIND
delete_of_new_array_same_class|missed|$KIND|$KIND|$KIND
delete_of_new_array_cookie|$UNAL|$UNAL|$UNAL|$UNAL
delete_array_of_new|missed|$KIND|$KIND|$KIND
free_sized_wrong|$SIZE|$SIZE|$SIZE|$SIZE
double_free_small|$DF|$DF|$DF|$DF
double_free_medium|$DF|$DF|$DF|$DF
double_free_large|$DF|$DF|$DF|$DF
double_free_huge|$DF|$DF|$DF|$DF
double_free_delayed|$DF|$DF|$DF|$DF
double_free_interleaved|$DF|$DF|$DF|$DF
double_free_after_reuse|$DF|$DF|$DF|$DF
double_free_realloc|$DF|$DF|$DF|$DF
free_stack|$INV|$INV|$INV|$INV
free_static|$INV|$INV|$INV|$INV
free_alloca|$INV|$INV|$INV|$INV
free_unaligned_small|$UNAL|$UNAL|$UNAL|$UNAL
free_unaligned_large|$INV|$INV|$INV|$INV
free_near_before_small|$UNAL|$UNAL|$UNAL|$UNAL
free_near_after_small|$UNAL|$UNAL|$UNAL|$UNAL
free_near_before_large|$INV|$INV|$INV|$INV
malloc_impossible|protected|protected|protected|protected
exec_heap|protected|protected|protected|protected
no_misuse|missed|missed|missed|missed
"

# check LABEL LIB CASE EXPECTED [ENV...]: runs the case and compares.
failures=0
check() {
    _label=$1; _lib=$2; _case=$3; _want=$4; shift 4
    env "$@" LD_PRELOAD="$_lib" timeout -k 5 60 "$PROG" "$_case" >"$WORK/out" 2>"$WORK/err"
    _rc=$?
    _got=
    case $_rc in
        0) _got=missed ;;
        42) _got=protected ;;
        134) _got=abort ;;
        139) _got=segv ;;
        *) _got="exit $_rc" ;;
    esac
    case $_want in
        abort:*)
            _text=${_want#abort:}
            if [ "$_got" != abort ]; then
                echo "FAIL: $_label $_case: expected abort ($_text), got $_got"; failures=$((failures+1)); return
            fi
            # (the shell may add its own "Aborted" line for the killed child)
            _lines=$(grep -cv '^Aborted' "$WORK/err")
            _named=no
            _rest=$_text
            while [ -n "$_rest" ]; do
                _one=${_rest%%;*}
                grep -qF "$_one" "$WORK/err" && _named=yes
                case $_rest in *\;*) _rest=${_rest#*;} ;; *) _rest= ;; esac
            done
            if [ "$_lines" -ne 1 ] || ! grep -q '^poolmalloc: .*: 0x[0-9a-f]*$' "$WORK/err" ||
               [ "$_named" = no ]; then
                echo "FAIL: $_label $_case: expected one line naming '$_text' and the address, got:"
                cat "$WORK/err"; failures=$((failures+1)); return
            fi ;;
        *)
            if [ "$_got" != "$_want" ]; then
                echo "FAIL: $_label $_case: expected $_want, got $_got"; cat "$WORK/err"
                failures=$((failures+1)); return
            fi ;;
    esac
}

caught_default=0; caught_hardened=0; caught_q0=0; caught_z0=0; total=0
echo "$CASES" | { while IFS='|' read -r name def hard q0 z0; do
    [ -n "$name" ] || continue
    [ "$name" = no_misuse ] || total=$((total+1))
    check default "$LIB" "$name" "$def"
    check hardened "$HARD" "$name" "$hard"
    check "hardened quarantine=0" "$HARD" "$name" "$q0" POOLMALLOC_OPTIONS=quarantine=0
    check "hardened zero_on_free=0" "$HARD" "$name" "$z0" POOLMALLOC_OPTIONS=zero_on_free=0
    [ "$name" = no_misuse ] && continue  # the control case: correct use, no report
    [ "$def" = missed ] || caught_default=$((caught_default+1))
    [ "$hard" = missed ] || caught_hardened=$((caught_hardened+1))
    [ "$q0" = missed ] || caught_q0=$((caught_q0+1))
    [ "$z0" = missed ] || caught_z0=$((caught_z0+1))
done
echo "misuse_variants: $total cases; default notices $caught_default, hardened $caught_hardened" \
     "(quarantine=0: $caught_q0, zero_on_free=0: $caught_z0)"
[ "$failures" -eq 0 ] || exit 1
}
[ $? -eq 0 ] || fail "misuse cases did not behave as the table says"

# Warn mode: the report, then the program carries on (the block is left alone).
warn() {
    _lib=$1; _case=$2; _text=$3
    POOLMALLOC_ABORT_ON_MISUSE=0 LD_PRELOAD="$_lib" timeout -k 5 60 "$PROG" "$_case" >"$WORK/out" 2>"$WORK/err"
    _rc=$?
    [ "$_rc" -eq 0 ] || { cat "$WORK/err"; fail "abort_on_misuse=0 $_case: exit $_rc, expected 0"; }
    grep '^poolmalloc: ' "$WORK/err" | grep -qF "$_text" || { cat "$WORK/err"; fail "abort_on_misuse=0 $_case: no report"; }
}
for lib in "$LIB" "$HARD"; do
    warn "$lib" double_free_small "double free"
    warn "$lib" free_stack "invalid pointer"
    warn "$lib" sized_delete_other_class "size does not match"
done
warn "$HARD" overflow1_small "heap overflow"
warn "$HARD" uaf_write_small "write after free"
warn "$HARD" delete_array_of_new "delete/delete[] does not match"
echo "misuse_variants: abort_on_misuse=0 reports and continues in both variants"
