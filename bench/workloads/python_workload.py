"""python3 workload: object churn typical of scripts -- dicts of records, strings built and
split, JSON round trips, sorting, sets and short-lived class instances. The runner starts
it with PYTHONMALLOC=malloc so that every object goes through the allocator under test
(Python's own small-object pool would otherwise hide most of them).
Usage: python_workload.py N   (N scales the work; output is a checksum)"""
import json
import sys


class Record:
    __slots__ = ("key", "name", "values")

    def __init__(self, key, name, values):
        self.key = key
        self.name = name
        self.values = values


def run(n):
    checksum = 0
    for rnd in range(4):
        records = {}
        for i in range(n):
            key = f"k{(i * 2654435761 + rnd) % 1000003:07d}"
            records[key] = Record(key, "name-" + str(i) * (1 + i % 5), [i, i * 2, str(i)])
        text = json.dumps([{"k": r.key, "n": r.name, "v": r.values} for r in records.values()])
        back = json.loads(text)
        words = " ".join(item["n"] for item in back).split("-")
        uniq = set(words)
        ordered = [k for k, _ in sorted(records.items(), key=lambda kv: (len(kv[1].name), kv[0]))]
        checksum += len(text) + len(uniq) + len(ordered[0]) + sum(len(w) for w in words[:1000])
        del records, back, words, uniq, ordered, text
    return checksum


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 50000))
