-- sqlite3 workload: build, index, query and rewrite an in-memory table. The row count
-- comes from the runner as the parameter @n (sqlite3 -cmd ".parameter set @n N").
-- Text values are derived from the row number, so every run does the same work.
PRAGMA cache_size = -65536;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL, tags TEXT);
WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < @n)
INSERT INTO item
SELECT x, printf('item-%08x-%s', (x * 2654435761) % 4294967296, substr('abcdefghijklmnop', 1 + x % 16)),
       x % 997, (x * 7919 % 10007) / 100.0, printf('t%d,t%d,t%d', x % 13, x % 31, x % 97)
FROM seq;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp_price ON item(grp, price);
SELECT grp, count(*), round(sum(price), 2), max(name) FROM item GROUP BY grp ORDER BY 3 DESC LIMIT 5;
SELECT count(*) FROM item a JOIN item b ON a.grp = b.grp AND b.id = a.id + 997 WHERE a.price > 50;
SELECT tags, count(*) FROM item GROUP BY tags ORDER BY 2 DESC, 1 LIMIT 3;
SELECT count(DISTINCT substr(name, 6, 4)) FROM item;
UPDATE item SET name = name || '-' || grp, tags = upper(tags) WHERE id % 3 = 0;
DELETE FROM item WHERE id % 5 = 0;
SELECT count(*), sum(length(name)), sum(length(tags)) FROM item;
CREATE TABLE summary AS SELECT grp, group_concat(name, ';') AS names FROM item GROUP BY grp;
SELECT sum(length(names)) FROM summary;
