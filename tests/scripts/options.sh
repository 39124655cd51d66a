#!/bin/sh
# Options from the environment: thp never/madvise reach the mappings (VmFlags nh/hg),
# verbose prints the effective options, reserve_limit refuses with ENOMEM, a bad value
# gives one warning line, and without options poolmalloc writes nothing to stderr. The
# hardened variant's quarantine and zero_on_free are read and capped (what they change is
# checked case by case in misuse_variants.sh); the default build accepts them silently.
set -e
lib=$BUILD/libpoolmalloc.so
hard=$BUILD/libpoolmalloc-hardened.so
probe=$BUILD/tests/programs/options_probe
fail() { echo "FAIL: $*"; exit 1; }

out=$(POOLMALLOC_OPTIONS=thp=never LD_PRELOAD=$lib "$probe")
echo "$out" | grep -qw nh || fail "thp=never: no 'nh' in '$out'"
out=$(POOLMALLOC_THP=madvise LD_PRELOAD=$lib "$probe")
echo "$out" | grep -qw hg || fail "thp=madvise: no 'hg' in '$out'"

err=$(POOLMALLOC_OPTIONS=verbose=1,decay_ms=250 LD_PRELOAD=$lib "$probe" 2>&1 >/dev/null)
echo "$err" | grep -q "poolmalloc: options: decay_ms 250" || fail "verbose: '$err'"

out=$(POOLMALLOC_RESERVE_LIMIT=64m LD_PRELOAD=$lib "$probe" limit)
[ "$out" = "limit: refused errno=12" ] || fail "reserve_limit: '$out'"
out=$(LD_PRELOAD=$lib "$probe" limit)
[ "$out" = "limit: allocated errno=0" ] || fail "no reserve_limit: '$out'"

err=$(POOLMALLOC_OPTIONS=decay_ms=soon LD_PRELOAD=$lib "$probe" 2>&1 >/dev/null)
[ "$(echo "$err" | wc -l)" -eq 1 ] && echo "$err" | grep -q "poolmalloc: warning: bad value" ||
  fail "bad value: '$err'"
err=$(LD_PRELOAD=$lib "$probe" 2>&1 >/dev/null)
[ -z "$err" ] || fail "stderr without options: '$err'"

err=$(POOLMALLOC_OPTIONS=verbose=1 LD_PRELOAD=$hard "$probe" 2>&1 >/dev/null)
echo "$err" | grep -q "poolmalloc: options: quarantine 64$" || fail "hardened default quarantine: '$err'"
echo "$err" | grep -q "poolmalloc: options: zero_on_free 1$" || fail "hardened default zero_on_free: '$err'"
err=$(POOLMALLOC_OPTIONS=verbose=1,quarantine=0,zero_on_free=0 LD_PRELOAD=$hard "$probe" 2>&1 >/dev/null)
echo "$err" | grep -q "poolmalloc: options: quarantine 0$" || fail "quarantine=0: '$err'"
echo "$err" | grep -q "poolmalloc: options: zero_on_free 0$" || fail "zero_on_free=0: '$err'"
err=$(POOLMALLOC_OPTIONS=verbose=1,quarantine=100000 LD_PRELOAD=$hard "$probe" 2>&1 >/dev/null)
echo "$err" | grep -q "poolmalloc: options: quarantine 256$" || fail "quarantine cap: '$err'"
err=$(POOLMALLOC_OPTIONS=quarantine=0,zero_on_free=0 LD_PRELOAD=$lib "$probe" 2>&1 >/dev/null)
[ -z "$err" ] || fail "default build with the hardened options: '$err'"
echo "options: thp, verbose, reserve_limit, warnings, hardened quarantine/zero_on_free: OK"
