#!/usr/bin/env python3
"""Thread scaling of the thread-heavy workloads under each allocator (make bench-scaling).
Each round runs every workload at every thread count under every allocator, in a rotating
order; the tables give medians. Writes bench/results/<stamp>-scaling.{md,json}, prints the
table, and with --doc rewrites the "Thread scaling" section of that file.

  bench/tools/scaling.py [--quick] [--reps N] [--threads 1,2,4,8,16] [--allocators a,b]
                         [--only REGEX] [--budget SECONDS] [--doc docs/benchmarks.md]"""
import argparse
import datetime
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pmbench import allocators, instr, machine, measure, scaling  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--reps", type=int, help="rounds (default 1 quick, 3 full)")
    p.add_argument("--threads", default="1,2,4,8,16")
    p.add_argument("--allocators")
    p.add_argument("--only", help="regex on the workload names")
    p.add_argument("--work", type=float, default=1.0, help="scale the total work by this factor")
    p.add_argument("--budget", type=float, help="seconds: start no new round after this much time")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    p.add_argument("--doc", help="Markdown file whose 'Thread scaling' section is rewritten")
    args = p.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    threads = [int(t) for t in args.threads.split(",")]
    only = re.compile(args.only) if args.only else None
    work = [w for w in scaling.SCALED if not only or only.search(w.name)]
    smoke = [instr.binary(args.build), "loop", "64", "1000"]
    allocs, notes = allocators.discover(args.build, ROOT, smoke,
                                        args.allocators.split(",") if args.allocators else None)
    for n in notes:
        print(f"note: {n}", flush=True)
    print("allocators: " + ", ".join(f"{a.name} ({a.version})" for a in allocs), flush=True)
    mode = "quick" if args.quick else "full"
    tasks = [(w, n) for w in work for n in threads]
    runs = {}
    broken = set()
    started = time.time()
    load_before = machine.loadavg()
    done = 0
    for rep in range(reps):
        if args.budget and done and (time.time() - started) * (done + 1) / done > args.budget:
            print(f"note: stopping after {done} round(s), the next would pass the {args.budget:.0f} s budget")
            break
        for ti, (w, n) in enumerate(tasks):
            k = (rep + ti) % len(allocs)
            for a in allocs[k:] + allocs[:k]:
                if (w.name, n, a.name) in broken:
                    continue
                prog = os.path.join(args.build, "bench", "workloads", w.program)
                argv = [prog] + w.params(n, int(w.work[mode] * args.work))
                res = measure.run(args.build, argv, a.env(), a.preload, 300 if args.quick else 600)
                entry = {"rc": res.rc, "wall": res.wall, "maxrss_kib": res.maxrss_kib, "argv": argv[1:]}
                if not res.ok:
                    what = "timed out" if res.rc == 124 else f"exit {res.rc}"
                    entry["error"] = what + ": " + " | ".join(res.stderr.strip().splitlines()[-2:])
                    broken.add((w.name, n, a.name))
                runs.setdefault(w.name, {}).setdefault(str(n), {}).setdefault(a.name, []).append(entry)
                print(f"[{rep + 1}/{reps}] {w.name:<13} {n:>2} threads {a.name:<10} {res.wall:7.3f} s "
                      f"{res.maxrss_kib / 1024:8.1f} MiB{'  FAILED: ' + entry['error'] if not res.ok else ''}",
                      flush=True)
        done += 1
    mc = machine.describe()
    meta = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "mode": mode, "reps": done,
            "machine": f"{mc['cpu']}, {mc['nproc']} CPUs, {mc['mem_gib']} GiB", "threads": threads,
            "allocators": [vars(a) for a in allocs], "notes": notes, "command": " ".join(sys.argv),
            "duration_s": round(time.time() - started, 1), "load": [load_before, machine.loadavg()],
            "workloads": {w.name: w.what for w in work}}
    names = [a.name for a in allocs]
    table = scaling.summarize(runs, names, threads, [w.name for w in work])
    body = scaling.markdown(table, names, threads, meta)
    body += "\n\nWork per workload (total, split between the threads): " + "; ".join(
        f"{w.name}: {int(w.work[mode] * args.work):,} {w.what}" for w in work) + "."
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{mode}-scaling")
    with open(base + ".json", "w") as f:
        json.dump({"meta": meta, "runs": runs, "table": table}, f, indent=1)
    with open(base + ".md", "w") as f:
        f.write("# poolmalloc thread scaling\n\n" + body + "\n")
    print("\n" + body)
    if args.doc:
        scaling.update_doc(args.doc, body)
        print(f"\nrewrote the Thread scaling section of {args.doc}")
    print(f"report: {os.path.relpath(base)}.md  {os.path.relpath(base)}.json  ({meta['duration_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
