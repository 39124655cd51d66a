#!/bin/sh
# python3 under LD_PRELOAD: a dict/json workload (PYTHONMALLOC=malloc, so that every Python
# object goes through malloc) prints the same digest as on glibc's malloc; ctypes sees
# pm_owns and poolmalloc owns a block from malloc; malloc binds to libpoolmalloc.so.
. tests/scripts/lib/common.sh
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3
elif command -v python3 >/dev/null 2>&1; then PY=$(command -v python3)
else skip "python3 is not installed"; fi
make_work

cat >"$WORK/work.py" <<'PYEOF'
import hashlib, json
d = {}
for i in range(120000):
    k = "key%07d" % ((i * 7919) % 1000003)
    d[k] = {"i": i, "sq": i * i, "s": str(i)[::-1], "l": list(range(i % 7))}
for i in range(0, 120000, 3):
    d.pop("key%07d" % ((i * 7919) % 1000003), None)
text = json.dumps(d, sort_keys=True)
back = json.loads(text)
assert back == d
words = sorted(set(text.split(",")))[:5000]
print(len(d), len(text), hashlib.sha256(text.encode()).hexdigest())
print(hashlib.sha256("|".join(words).encode()).hexdigest())
PYEOF
compare_runs "python3 dict/json workload" 120 env PYTHONMALLOC=malloc PYTHONHASHSEED=0 "$PY" "$WORK/work.py"

run_pm "python3 ctypes pm_owns" 60 "$PY" -c '
import ctypes, sys
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.pm_owns.argtypes = [ctypes.c_void_p]
p = libc.malloc(1000)
if libc.pm_owns(p) != 1:
    sys.exit("pm_owns(malloc(1000)) != 1: the block is not poolmalloc\x27s")
libc.free.argtypes = [ctypes.c_void_p]
libc.free(p)'
check_bindings "python3" "python3[.0-9]*" "$PY" -c 'print(sum(range(10)))'
