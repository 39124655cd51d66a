#!/bin/sh
# Memory comes back without the program's help (tests/programs/memory_return.c): after
# malloc_trim, after the decay, and in the scenarios where nothing calls the allocator
# again (idle, fast paths only, huge blocks, frees into an exited thread's heap, blocked
# threads, medium and large blocks). "slack" checks that a huge block reusing a larger
# one's span gives back resident memory it does not reach; "churn" that a thread that frees and
# allocates the same memory again and again is not purged and re-faulted every time, and
# "rounds" the same for a whole program that frees everything between rounds. Each mode checks RSS < 10% of its peak; "many" checks
# that 16 idle threads keep at most 40 MiB of freed pages resident between them.
. tests/scripts/lib/common.sh
need_prog memory_return
for mode in trim decay idle active huge slack churn rounds handoff threads pool many; do
  run_pm "memory_return $mode" 120 "$PROGS/memory_return" "$mode"
done
run_pm "memory_return keep (purge=0)" 120 env POOLMALLOC_PURGE=0 "$PROGS/memory_return" keep
