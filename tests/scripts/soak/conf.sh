#!/bin/sh
# Long versions of the conformance additions (make soak-conf), all on poolmalloc. The
# repeated gtest suites run until SOAK_MINUTES have passed (a time budget, never an
# assertion); each run has its own timeout. PMTEST_RUN_KNOWN_BUGS=1 adds the runs that
# expose the runtime bugs listed in docs/testing.md.
. tests/scripts/lib/common.sh
MIN=${SOAK_MINUTES:-10}
for p in conf_fork_signal conf_key_order conf_sigprof_kinds; do need_prog $p; done
run_pm "soak conf_fork_signal" 900 "$PROGS/conf_fork_signal" 3000
run_pm "soak conf_key_order" 900 "$PROGS/conf_key_order" 20000
if [ -n "$PMTEST_RUN_KNOWN_BUGS" ]; then
    run_pm "soak conf_sigprof_kinds" 900 "$PROGS/conf_sigprof_kinds" 50000 2
    run_pm "soak conf_key_order, address space flat" 900 "$PROGS/conf_key_order" 5000 1
fi
end=$(( $(date +%s) + MIN * 60 ))
seed=1
while [ "$(date +%s)" -lt "$end" ]; do
    run_plain "soak ConfThreads/ConfThreadExit round $seed" 900 "$BUILD/tests/unit_tests" \
        --gtest_filter='ConfThreads.*:ConfThreadExit.*' --gtest_repeat=20 --gtest_brief=1
    seed=$((seed + 1))
done
echo "soak-conf: OK"
