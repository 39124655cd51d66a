#!/usr/bin/env python3
"""The heap profiler's cost on the workloads of make bench: every workload under
build/libpoolmalloc.so with prof=0 and with prof=1 (default sample rate), interleaved (the
order alternates per round), the best CPU time (user + system) of the rounds for each, the
ratio prof=1 / prof=0 per workload and their geometric mean.

  bench/prof_overhead.py [--quick] [--reps N] [--only REGEX] [--skip REGEX]
                         [--options0 OPTS] [--options1 OPTS] [--lib SO]

--options0/--options1 set POOLMALLOC_OPTIONS of each side (prof=0 and prof=1 by default;
e.g. --options1 prof=1,prof_sample=64k). Needs make all bench-build. Standard library only."""
import argparse
import math
import os
import re
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from pmbench import measure  # noqa: E402
from pmbench import workloads as wl  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the QUICK parameters of make bench")
    p.add_argument("--reps", type=int, default=3, help="rounds (default 3); the best is kept")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--only", help="regex: run only the workloads it matches")
    p.add_argument("--skip", help="regex: leave out the workloads it matches")
    p.add_argument("--options0", default="prof=0", help="POOLMALLOC_OPTIONS of the baseline")
    p.add_argument("--options1", default="prof=1", help="POOLMALLOC_OPTIONS of the profiled side")
    p.add_argument("--lib", default=None, help="the library (default build/libpoolmalloc.so)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()

    lib = os.path.abspath(args.lib or os.path.join(args.build, "libpoolmalloc.so"))
    only = re.compile(args.only) if args.only else None
    skip = re.compile(args.skip) if args.skip else None
    ctx = wl.Context(args.build, args.threads, args.quick)
    tasks = [w for w in wl.WORKLOADS if (not only or only.search(w.name)) and not (skip and skip.search(w.name))]
    sides = [("prof=0", args.options0), ("prof=1", args.options1)]
    best = {w.name: {} for w in tasks}
    # The profiles prof=1 writes at exit go to a scratch directory, removed at the end.
    with tempfile.TemporaryDirectory(prefix="pm-prof-overhead.") as scratch:
        for rep in range(args.reps):
            for ti, w in enumerate(tasks):
                argv, stdin = w.argv(ctx, args.quick)
                order = sides if (rep + ti) % 2 == 0 else sides[::-1]
                for label, opts in order:
                    env = dict(os.environ)
                    env.update(w.env)
                    env["POOLMALLOC_OPTIONS"] = opts + ",prof_file=" + os.path.join(scratch, "p.%p.heap")
                    res = measure.run(args.build, argv, env, lib, 300, stdin_path=stdin)
                    if not res.ok:
                        print(f"{w.name} {label}: exit {res.rc}: {res.stderr.strip()[-300:]}", file=sys.stderr)
                        sys.exit(1)
                    prev = best[w.name].get(label)
                    best[w.name][label] = res.cpu if prev is None else min(prev, res.cpu)
                    print(f"[{rep + 1}/{args.reps}] {w.name:<16} {label}  cpu {res.cpu:7.3f} s",
                          file=sys.stderr, flush=True)
                for f in os.listdir(scratch):
                    os.unlink(os.path.join(scratch, f))

    print(f"best CPU seconds of {args.reps} interleaved rounds{' (quick)' if args.quick else ''}; "
          f"prof=0: {args.options0}, prof=1: {args.options1}")
    print(f"{'workload':<16} {'prof=0':>9} {'prof=1':>9} {'ratio':>7}")
    logs = []
    for w in tasks:
        b = best[w.name]
        r = b["prof=1"] / b["prof=0"] if b["prof=0"] > 0 else float("nan")
        if r > 0:
            logs.append(math.log(r))
        print(f"{w.name:<16} {b['prof=0']:9.3f} {b['prof=1']:9.3f} {r:7.3f}")
    if logs:
        print(f"{'geometric mean':<16} {'':>9} {'':>9} {math.exp(sum(logs) / len(logs)):7.3f}")


if __name__ == "__main__":
    main()
