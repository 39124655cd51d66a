#!/bin/sh
# sqlite3 under LD_PRELOAD: in-memory inserts, an index and queries give the same output as on
# glibc's malloc; malloc binds to libpoolmalloc.so.
. tests/scripts/lib/common.sh
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 is not installed"
make_work
cat >"$WORK/q.sql" <<'SQLEOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, pad BLOB);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO t(k, name, pad) SELECT (i * 7919) % 10007, 'name' || (i % 997), zeroblob(i % 300) FROM n;
CREATE INDEX t_k ON t(k);
CREATE INDEX t_name ON t(name, k);
DELETE FROM t WHERE id % 5 = 0;
SELECT count(*), sum(k), sum(length(pad)) FROM t;
SELECT name, count(*), min(k), max(k) FROM t GROUP BY name ORDER BY count(*) DESC, name LIMIT 5;
SELECT k, count(*) FROM t WHERE k BETWEEN 100 AND 110 GROUP BY k;
SELECT group_concat(id) FROM (SELECT id FROM t WHERE name = 'name5' ORDER BY k LIMIT 20);
SQLEOF
compare_runs "sqlite3" 120 sh -c "sqlite3 :memory: <'$WORK/q.sql'"
check_bindings "sqlite3" "sqlite3" sqlite3 :memory: 'select 1;'
