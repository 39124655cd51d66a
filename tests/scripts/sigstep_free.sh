#!/bin/sh
# The small free with a signal handler that allocates after every one of its instructions
# (tests/programs/sigstep_free.c): no block is lost to a handler's push or refill.
. tests/scripts/lib/common.sh
need_prog sigstep_free
run_pm "sigstep_free" 60 "$PROGS/sigstep_free"
