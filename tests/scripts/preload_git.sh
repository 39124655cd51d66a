#!/bin/sh
# git under LD_PRELOAD: a repository built with fixed dates gets the same commit ids and log
# as on glibc's malloc (init, commits, a branch and a merge, gc, fsck), and malloc binds to
# libpoolmalloc.so.
. tests/scripts/lib/common.sh
command -v git >/dev/null 2>&1 || skip "git is not installed"
make_work
cat >"$WORK/git.sh" <<'SHEOF'
set -e
export HOME="$RUNDIR" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=pm GIT_AUTHOR_EMAIL=pm@example.com
export GIT_COMMITTER_NAME=pm GIT_COMMITTER_EMAIL=pm@example.com
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
cd "$RUNDIR"
git init -q -b main repo
cd repo
i=0
while [ $i -lt 15 ]; do
    seq $i 7 4000 >"f$((i % 5)).txt"
    git add -A
    git commit -q -m "commit $i"
    i=$((i + 1))
done
git checkout -q -b side HEAD~5
echo side >side.txt
git add side.txt
git commit -q -m "side work"
git checkout -q main
git merge -q --no-edit -m "merge side" side
git gc -q
git fsck --no-progress
git log --format='%H %s'
git rev-list --all --objects | wc -l
SHEOF
compare_runs "git" 120 sh "$WORK/git.sh"
check_bindings "git" "git" git --version
