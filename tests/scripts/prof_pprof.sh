#!/bin/sh
# The heap profile read by google-pprof (Debian's google-perftools; installed here when
# missing and we are root): --text with --inuse_space must give the two call sites of
# tests/programs/prof_sites.c 75% / 25% (+-5) of the in-use space, --alloc_space must show
# the site whose blocks were all freed, and --svg must draw the graph (when graphviz is
# there). Under LD_PRELOAD, so the preloaded library and the PIE program both resolve.
. tests/scripts/lib/common.sh
need_prog prof_sites
if ! command -v google-pprof >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y google-perftools >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y google-perftools >/dev/null 2>&1; }
    fi
    command -v google-pprof >/dev/null 2>&1 ||
        skip "google-pprof is not installed; install it with: sudo apt-get install -y google-perftools"
fi
make_work
PROG=$(pwd)/$PROGS/prof_sites
(cd "$WORK" && timeout -k 5 120 env POOLMALLOC_OPTIONS=prof=1,prof_sample=16k,prof_file=$WORK/p.heap \
    LD_PRELOAD="$LIB" "$PROG" live 64 >out 2>err) || { cat "$WORK/err"; fail "prof_sites: exit status $?"; }

# share VIEW FUNCTION: the flat percentage of FUNCTION in google-pprof --text VIEW.
share() {
    awk -v f="$2" '$6 == f || $6 ~ "^" f "[.]" {sub("%", "", $2); print $2; exit}' "$WORK/$1.txt"
}
for view in inuse_space alloc_space; do
    timeout -k 5 120 google-pprof --text --$view "$PROG" "$WORK/p.heap" >"$WORK/$view.txt" 2>"$WORK/pprof.err" ||
        { cat "$WORK/pprof.err"; fail "google-pprof --text --$view: exit status $?"; }
done
three=$(share inuse_space site_three); one=$(share inuse_space site_one)
[ -n "$three" ] && [ -n "$one" ] || { cat "$WORK/inuse_space.txt"; fail "google-pprof --text does not name both call sites"; }
echo "google-pprof --text --inuse_space: site_three $three%, site_one $one%"
awk -v a="$three" -v b="$one" 'BEGIN { exit !(a >= 70 && a <= 80 && b >= 20 && b <= 30) }' ||
    { cat "$WORK/inuse_space.txt"; fail "in-use space is $three% / $one%, not 75 / 25 (+-5)"; }
churn=$(share alloc_space site_churn)
[ -n "$churn" ] && awk -v c="$churn" 'BEGIN { exit !(c > 0) }' ||
    { cat "$WORK/alloc_space.txt"; fail "--alloc_space does not show site_churn"; }
grep -q 'site_churn' "$WORK/inuse_space.txt" &&
    awk '$6 ~ /^site_churn/ && $1 + 0 > 0.1 { bad = 1 } END { exit !bad }' "$WORK/inuse_space.txt" &&
    fail "--inuse_space shows site_churn, whose blocks were all freed"

if command -v dot >/dev/null 2>&1; then
    timeout -k 5 120 google-pprof --svg --inuse_space "$PROG" "$WORK/p.heap" >"$WORK/p.svg" 2>"$WORK/pprof.err" ||
        { cat "$WORK/pprof.err"; fail "google-pprof --svg: exit status $?"; }
    grep -q '<svg' "$WORK/p.svg" && grep -q 'site_three' "$WORK/p.svg" ||
        fail "google-pprof --svg drew no graph with site_three"
else
    echo "(graphviz is not installed: --svg not checked; apt-get install -y graphviz)"
fi
exit 0
