#!/bin/sh
# Runs every tests/scripts/*.sh. A script exits 0 when it passes, 77 when it cannot run
# here (it prints why), anything else when it fails. The run fails if any script fails.
BUILD=${BUILD:-build}; export BUILD
fail=0; passed=0; skipped=0
for s in tests/scripts/*.sh; do
  [ -e "$s" ] || continue
  name=$(basename "$s" .sh)
  printf '[ RUN      ] %s\n' "$name"
  sh "$s"; rc=$?
  case $rc in
    0)  printf '[       OK ] %s\n' "$name"; passed=$((passed+1)) ;;
    77) printf '[  SKIPPED ] %s\n' "$name"; skipped=$((skipped+1)) ;;
    *)  printf '[  FAILED  ] %s (exit %d)\n' "$name" "$rc"; fail=$((fail+1)) ;;
  esac
done
printf 'scripts: %d passed, %d skipped, %d failed\n' "$passed" "$skipped" "$fail"
[ "$fail" -eq 0 ]
