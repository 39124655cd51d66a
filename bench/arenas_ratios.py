#!/usr/bin/env python3
"""Ratios of the arena benchmarks (make bench-arenas): best CPU time of the repetitions of each
benchmark, then arena / malloc and arena / the std::pmr resource, per pattern."""
import json
import sys

# pattern: (arena, malloc, std::pmr alternative or None, target text)
PATTERNS = [
    ("bump: 4096 mixed small, then reset", "BM_BumpMixed_Arena", "BM_BumpMixed_Malloc",
     "BM_BumpMixed_Monotonic", "<= 1.0 of monotonic"),
    ("pool: 64 B, random free/refill", "BM_Fixed_Pool", "BM_Fixed_Malloc", "BM_Fixed_PmrPool",
     "<= 0.5 of malloc"),
    ("stack: LIFO push/pop, mixed sizes", "BM_StackLifo_Arena", "BM_StackLifo_Malloc", None,
     "<= 0.5 of malloc"),
    ("free-list: 16-1024 B, random free/refill", "BM_Mixed_FreeList", "BM_Mixed_Malloc",
     "BM_Mixed_PmrPool", "<= 1.5 of malloc"),
    ("pmr vector<vector<int>> on bump", "BM_NestedVec_Bump", "BM_NestedVec_NewDelete",
     "BM_NestedVec_Monotonic", "<= 1.0 of monotonic"),
    ("scratch scope, 4 temporaries", "BM_Scratch_Scope", "BM_Scratch_Malloc",
     "BM_Scratch_MonotonicOnStack", ""),
]


def main(path):
    with open(path) as f:
        data = json.load(f)
    best = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b.get("run_name", b["name"])
        t = b["cpu_time"]
        best[name] = min(best.get(name, t), t)
    print(f"{'pattern':44} {'arena/malloc':>12} {'arena/pmr':>10}  target")
    for title, arena, malloc, pmr, target in PATTERNS:
        if arena not in best or malloc not in best:
            continue
        rm = best[arena] / best[malloc]
        rp = f"{best[arena] / best[pmr]:10.2f}" if pmr in best else f"{'-':>10}"
        print(f"{title:44} {rm:12.2f} {rp}  {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/bench/arenas.json")
