#!/bin/sh
# node under LD_PRELOAD: a small script (objects, Map, JSON, sort, a hash) prints the same
# output as on glibc's malloc; malloc binds to libpoolmalloc.so.
. tests/scripts/lib/common.sh
if command -v node >/dev/null 2>&1; then NODE=node
elif command -v nodejs >/dev/null 2>&1; then NODE=nodejs
else skip "node is not installed"; fi
make_work
cat >"$WORK/work.js" <<'JSEOF'
const crypto = require('crypto');
const m = new Map();
for (let i = 0; i < 100000; i++) m.set('k' + ((i * 7919) % 1000003), { i, s: String(i).split('').reverse().join('') });
const arr = [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
const text = JSON.stringify(arr);
const back = JSON.parse(text);
const bufs = [];
for (let i = 0; i < 2000; i++) bufs.push(Buffer.alloc(1 + (i * 37) % 5000, i & 255));
const h = crypto.createHash('sha256').update(text).update(Buffer.concat(bufs)).digest('hex');
console.log(back.length, text.length, h);
JSEOF
compare_runs "node" 120 "$NODE" "$WORK/work.js"
check_bindings "node" "node(js)?" "$NODE" -e 'console.log(1)'
