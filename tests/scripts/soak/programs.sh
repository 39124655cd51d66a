#!/bin/sh
# Long versions of the program-based tests (make soak-programs), all under LD_PRELOAD.
# The stress program runs in rounds with a new seed each until SOAK_MINUTES have passed (the
# stop is a time budget, never an assertion); each run is bounded by its own timeout.
. tests/scripts/lib/common.sh
MIN=${SOAK_MINUTES:-10}
for p in stress xthread thread_exit fork_child fork_threads fork_signal sigprof; do need_prog $p; done

end=$(( $(date +%s) + MIN * 60 ))
seed=100
while [ "$(date +%s)" -lt "$end" ]; do
    run_pm "soak stress seed $seed, 8 threads" 900 "$PROGS/stress" 8 40 50000 $seed
    run_pm "soak stress seed $seed, 3 threads" 900 "$PROGS/stress" 3 200 5000 $((seed + 1))
    seed=$((seed + 2))
done
run_pm "soak xthread" 900 "$PROGS/xthread" 2000000
run_pm "soak thread_exit" 900 "$PROGS/thread_exit" 100000
run_pm "soak fork_child" 900 "$PROGS/fork_child" 500
run_pm "soak fork_threads" 900 "$PROGS/fork_threads" 5000 4
run_pm "soak fork_signal" 900 "$PROGS/fork_signal" 10000
run_pm "soak sigprof, one thread" 900 "$PROGS/sigprof" 20000
run_pm "soak sigprof, three threads" 900 "$PROGS/sigprof" 20000 2
echo "soak-programs: OK"
